# pyftpdlib over explicit TLS, for tests: user ship/secret with write access to ROOT,
# passive ports PASV..PASV+20 on 127.0.0.1. Runs in the foreground until killed.
# Use: /usr/bin/python3 pyftpd.py PORT PASV ROOT CERT KEY
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import TLS_FTPHandler
from pyftpdlib.servers import FTPServer

port, pasv, root, cert, key = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
auth = DummyAuthorizer()
auth.add_user("ship", "secret", root, perm="elradfmwMT")
h = TLS_FTPHandler
h.certfile = cert
h.keyfile = key
h.tls_control_required = True
h.tls_data_required = True
h.authorizer = auth
h.passive_ports = range(pasv, pasv + 21)
h.masquerade_address = "127.0.0.1"
FTPServer(("127.0.0.1", port), h).serve_forever()
