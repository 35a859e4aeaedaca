#!/bin/sh
# Three hosts: primary, mirror and mirror-mirror are network namespaces made here (ip netns,
# veth pairs), each with its own sshd, shipping over SFTP across them. The chain (primary ->
# mirror -> mirror-mirror, the mirror relaying what it applies) and the hub-and-spoke layout
# (the primary sending to both) both end with every mirror equal to the primary. Only the
# network is separated: the hosts' files are directories of this test.
. ./lib.sh
command -v sqlite3 >/dev/null || skip "sqlite3 command line not installed"
command -v ip >/dev/null || skip "ip (iproute2) is not installed: network namespaces cannot be created"
[ -x /usr/sbin/sshd ] || skip "sshd is not installed"
RB=$JM_SRC/examples/runbook
export JM_ROTATE_AGE=1ms

id=$$
P=jm${id}p M=jm${id}m MM=jm${id}mm
if ! ip netns add "$P" 2>err; then
	skip "network namespaces cannot be created here: $(head -1 err)"
fi
at_exit "ip netns del $P"
ip netns add "$M" && at_exit "ip netns del $M"
ip netns add "$MM" && at_exit "ip netns del $MM"
for ns in $P $M $MM; do ip -n "$ns" link set lo up; done
link() { # link NAME NS1 ADDR1 NS2 ADDR2
	ip link add "v$1a" type veth peer name "v$1b" || return 1
	ip link set "v$1a" netns "$2" && ip link set "v$1b" netns "$4" &&
	ip -n "$2" addr add "$3/24" dev "v$1a" && ip -n "$4" addr add "$5/24" dev "v$1b" &&
	ip -n "$2" link set "v$1a" up && ip -n "$4" link set "v$1b" up
}
check "veth primary-mirror" link "${id}1" "$P" 10.231.1.1 "$M" 10.231.1.2
check "veth mirror-mirrormirror" link "${id}2" "$M" 10.231.2.1 "$MM" 10.231.2.2
check "veth primary-mirrormirror" link "${id}3" "$P" 10.231.3.1 "$MM" 10.231.3.2
on() { ns=$1; shift; ip netns exec "$ns" "$@"; }

# an sshd per host, listening on that host's addresses only
mkdir -p /run/sshd ssh
ssh-keygen -q -t ed25519 -N '' -f ssh/client
cp ssh/client.pub ssh/authorized_keys
: >ssh/known_hosts
listening() { # listening NS ADDR
	on "$1" python3 -c "import socket; socket.create_connection(('$2', 22), 0.5)" 2>/dev/null
}
sshd_up() { # sshd_up HOST NS ADDR...
	h=$1 ns=$2
	shift 2
	ssh-keygen -q -t ed25519 -N '' -f "ssh/$h-host"
	{
		for a; do echo "ListenAddress $a"; done
		printf '%s\n' "Port 22" "HostKey $T/ssh/$h-host" "PidFile $T/ssh/$h.pid" \
		    "AuthorizedKeysFile $T/ssh/authorized_keys" "PermitRootLogin prohibit-password" \
		    "PasswordAuthentication no" "KbdInteractiveAuthentication no" "UsePAM no" \
		    "StrictModes no" "Subsystem sftp internal-sftp" "LogLevel ERROR"
	} >"ssh/$h.conf"
	ip netns exec "$ns" /usr/sbin/sshd -D -e -f "$T/ssh/$h.conf" 2>"ssh/$h.log" &
	at_exit "kill $!"
	for a; do printf '%s %s\n' "$a" "$(cut -d' ' -f1-2 "ssh/$h-host.pub")" >>ssh/known_hosts; done
	for a; do
		wait_for listening "$ns" "$a" || return 1
	done
}
check "sshd on the primary" sshd_up p "$P" 10.231.1.1 10.231.3.1
check "sshd on the mirror" sshd_up m "$M" 10.231.1.2 10.231.2.1
check "sshd on the mirror-mirror" sshd_up mm "$MM" 10.231.2.2 10.231.3.2
if listening "$P" 10.231.2.2; then
	fail "the primary reaches the mirror-mirror's chain address"
else
	ok "the primary has no route to the mirror-mirror's chain address"
fi
# jship takes the key and known_hosts from ~/.ssh by default; this test names its own
mkdir wbin
printf '#!/bin/sh\nexec "%s/jship" --key "%s/ssh/client" --known-hosts "%s/ssh/known_hosts" "$@"\n' \
    "$JM_BIN" "$T" "$T" >wbin/jship
chmod +x wbin/jship
PATH=$T/wbin:$PATH
user=$(id -un)

echo "-- chain: primary -> mirror -> mirror-mirror"
mkdir -p p/chain m/in-chain mm/in-chain
jappend --create p/chain/db.journal
i=0
while [ $i -lt 4 ]; do
	i=$((i + 1))
	w p/chain.db p/chain/db.journal "create table if not exists t(id integer primary key, v text)" \
	    "insert into t(v) values('chain $i')"
	expect_code 0 on "$P" sh $RB/primary-cron.sh p/chain/db.journal \
	    "sftp://$user@10.231.1.2$T/m/in-chain/"
	expect_code 0 on "$M" sh $RB/mirror-cron.sh m/chain.db m/in-chain \
	    "sftp://$user@10.231.2.2$T/mm/in-chain/"
	expect_code 0 on "$MM" sh $RB/mirror-cron.sh mm/chain.db mm/in-chain
done
check "the mirror got 4 segments over SFTP" test "$(ls m/in-chain | wc -l)" -eq 4
check "the mirror-mirror got the same bytes" \
    sh -c 'for f in m/in-chain/*; do cmp -s $f mm/in-chain/${f#m/in-chain/} || exit 1; done'
# (the relay's jship keeps its acknowledgements beside the segments it sends: .db.journal.ship-*)
check "no temporary left" test -z "$(ls -A m/in-chain mm/in-chain | grep '^\.' | grep -v '^\.db\.journal\.ship-')"
check "mirror equals the primary" same p/chain.db m/chain.db
check "mirror-mirror equals the primary" same p/chain.db mm/chain.db
expect_code 0 on "$P" jstatus p/chain/db.journal
check "send queue empty" grep -q "send queue    sftp://$user@10.231.1.2$T/m/in-chain/: 0 segments" out
expect_code 0 on "$MM" sh $RB/check.sh mm/chain.db mm/in-chain

echo "-- hub-and-spoke: primary -> mirror, primary -> mirror-mirror"
mkdir -p p/hub m/in-hub mm/in-hub
jappend --create p/hub/db.journal
i=0
while [ $i -lt 4 ]; do
	i=$((i + 1))
	w p/hub.db p/hub/db.journal "create table if not exists t(id integer primary key, v text)" \
	    "insert into t(v) values('hub $i')"
	expect_code 0 on "$P" sh $RB/primary-cron.sh p/hub/db.journal \
	    "sftp://$user@10.231.1.2$T/m/in-hub/" "sftp://$user@10.231.3.2$T/mm/in-hub/"
	expect_code 0 on "$M" sh $RB/mirror-cron.sh m/hub.db m/in-hub
	[ $i -eq 2 ] || expect_code 0 on "$MM" sh $RB/mirror-cron.sh mm/hub.db mm/in-hub
done
check "each spoke got 4 segments" test "$(ls m/in-hub | wc -l)$(ls mm/in-hub | wc -l)" = 44
check "mirror equals the primary" same p/hub.db m/hub.db
check "mirror-mirror equals the primary" same p/hub.db mm/hub.db
expect_code 0 on "$P" jstatus --json p/hub/db.journal
check "two destinations, nothing queued" test "$(grep -o '"segments":0' out | wc -l)" -eq 2
finish
