# A minimal inetd for tests: accept on 127.0.0.1:PORT, run CMD... per connection with the
# socket as its standard input and output (tinysshd is started this way).
# Use: python3 tcpserve.py PORT CMD...
import os
import signal
import socket
import sys

signal.signal(signal.SIGCHLD, signal.SIG_IGN)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
while True:
    c, _ = s.accept()
    if os.fork() == 0:
        s.close()
        os.dup2(c.fileno(), 0)
        os.dup2(c.fileno(), 1)
        c.close()
        os.execvp(sys.argv[2], sys.argv[2:])
    c.close()
