#!/bin/sh
# jship killed (SIGKILL) while its lanes have PUTs in flight to one S3 destination. Every
# object on the store is then whole and identical to its segment, or absent. --from (killed
# at two moments): the acknowledgements claim only what the store has, so every segment
# the next run does not send was there already; that run exits 0 with every segment on the
# store, and a third has nothing to send. Standard input: every path printed before the
# kill is on the store, and a second run completes the rest.
. ./lib.sh
. "$JM_SRC/tests/s3/ceph.sh"
heavy
start_s3 "$T" || skip "Ceph RGW did not start"
export AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY"
ep="--s3-endpoint $S3_ENDPOINT"
E=$S3_ENDPOINT/$S3_BUCKET
N=60
# PUTs of segments sent and answered (100 Continue is no answer), from a -v -v trace
put_counts() {
	awk '/^jship: > PUT .*\.journal / { sent++; n++; next }
	     /^jship: < HTTP\/1\.1 [2-9]/ && n > 0 { n--; done++ }
	     END { print sent + 0, done + 0 }' "$1"
}
in_flight() { set -- $(put_counts "$1"); echo $(($1 - $2)); }
busy() { # TRACE AFTER: at least AFTER segments answered, at least two in flight
	[ -f "$1" ] || return 1
	set -- $(put_counts "$1") "$2"
	[ "$2" -ge "$3" ] && [ $(($1 - $2)) -ge 2 ]
}
# the segments of DIR whose object is under PREFIX into present; "ok" when each is identical
on_store() { s3_objects "$1" "$2" > present && echo ok; }

mkdir src
jmgen -r 8 -b 131072 src $N >/dev/null 2>&1       # ~1 MiB each
ls src/*.journal > want
check "$N segments made" test "$(wc -l < want)" -eq $N

caught=0
for after in 0 25; do
	q=q$after
	mkdir $q
	cp src/*.journal $q/
	jship -v -v --from $q $ep --to "s3://$S3_BUCKET/$q/" >/dev/null 2>trace.$q &
	pid=$!
	wait_for busy trace.$q $after
	kill -KILL $pid
	wait $pid 2>/dev/null
	n=$(in_flight trace.$q)
	[ "$n" -ge 2 ] && caught=$((caught + 1))
	check "--from killed with $n PUTs in flight: every object whole and identical" \
	    test "$(on_store $q/ $q)" = ok
	mv present had.$q
	expect_code 0 jship --from $q $ep --to "s3://$S3_BUCKET/$q/"
	sed "s|^src/|$q/|" want | sort > all
	sort out | comm -23 all - > unsent
	check "after $(wc -l < had.$q) of $N: what the next run did not send was there" \
	    sh -c "sort had.$q | comm -13 - unsent | wc -l | grep -qx 0"
	r=$(on_store $q/ $q)
	check "after $(wc -l < had.$q) of $N: every segment there now" \
	    test "$r $(wc -l < present)" = "ok $N"
	expect_code 0 jship --from $q $ep --to "s3://$S3_BUCKET/$q/"
	check "after $(wc -l < had.$q) of $N: a third run sends none" test ! -s out
done

jship -v -v $ep --to "s3://$S3_BUCKET/in/" < want >out.in 2>trace.in &
pid=$!
wait_for busy trace.in 20
kill -KILL $pid
wait $pid 2>/dev/null
n=$(in_flight trace.in)
[ "$n" -ge 2 ] && caught=$((caught + 1))
check "stdin killed with $n PUTs in flight: every object whole and identical" \
    test "$(on_store in/ src)" = ok
check "stdin: every path printed before the kill ($(wc -l < out.in)) is on the store" \
    sh -c "sort present | comm -13 - out.in | wc -l | grep -qx 0"
expect_code 0 sh -c "jship $ep --to s3://$S3_BUCKET/in/ < want"
r=$(on_store in/ src)
check "stdin: the next run leaves every segment there" test "$r $(wc -l < present)" = "ok $N"
check "several PUTs were in flight at the kill ($caught of 3 runs)" [ $caught -ge 2 ]
finish
