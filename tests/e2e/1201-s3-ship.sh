#!/bin/sh
# jship to a real S3 store (Ceph RGW): publish and re-send, a different object refused (65)
# whether its size or only its bytes differ, a wrong secret refused (77) with a clear line,
# keys from the environment and from ~/.aws/credentials with a profile, none of them in
# any output, and the SHA-256 the store checks sent with every body.
. ./lib.sh
. "$JM_SRC/tests/s3/ceph.sh"
heavy
start_s3 "$T" || skip "Ceph RGW did not start"

mkdir src other same
jmgen src 3 >/dev/null 2>&1
jmgen -r 11 other 1 >/dev/null 2>&1
s1=src/db.0001-000000000001.journal
# the same size as s1, other bytes (another lineage): a valid segment all the same
jmgen -L 22222222222222222222222222222222 same 1 >/dev/null 2>&1
ep="--s3-endpoint $S3_ENDPOINT"
export AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY"
get() { s3curl -H "x-amz-content-sha256: $(s3_empty)" -o "$2" -w '%{http_code}' "$S3_ENDPOINT/$S3_BUCKET/$1"; }

expect_code 0 jship -v -v $ep --to "s3://$S3_BUCKET/a/b/" src/*
ls src/* > want
check "paths printed" test_cmp want out
for f in src/*; do
	check "$f: byte-identical at a/b/" test "$(get "a/b/${f#src/}" got)" = 200 -a -n "$(cmp got "$f" && echo same)"
done
check "the body's SHA-256 is sent" grep -q "> x-amz-content-sha256: $(s3_sha $s1)" err
check "create-only: If-None-Match: *" grep -q '> If-None-Match: \*' err
check "the secret is in no output" sh -c "! grep -q '$S3_SECRET_KEY' err out"
check "the signature is hidden" grep -q '> Authorization: \[hidden\]' err
check "a connection per lane at most (1206: reused)" test "$(grep -c '^jship: \* Connected to' err)" -le 3
check "the store was asked once whether it honours If-None-Match" test "$(grep -c "> PUT /$S3_BUCKET/a/b/.jship-probe" err)" -eq 2
check "it does (412 to the second probe)" grep -q '< HTTP/1.1 412' err
check "so no HEAD before each PUT" test "$(grep -c '> HEAD ' err)" -eq 0
check "the probe removed" test "$(s3curl -I -H "x-amz-content-sha256: $(s3_empty)" -o /dev/null -w '%{http_code}' "$S3_ENDPOINT/$S3_BUCKET/a/b/.jship-probe")" = 404

expect_code 0 jship -v -v $ep --to "s3://$S3_BUCKET/a/b/" src/*
check "identical re-send accepted" grep -q 'already there: db.0001-000000000002.journal' err
check "re-send: refused by the condition (412), then compared" test "$(grep -c '< HTTP/1.1 412' err)" -eq 4
expect_code 65 jship $ep --to "s3://$S3_BUCKET/a/b/" other/db.0001-000000000001.journal
check "different size: one clear line" grep -q "^jship: s3://$S3_BUCKET/a/b/db.0001-000000000001.journal exists with a different size" err
expect_code 65 jship $ep --to "s3://$S3_BUCKET/a/b/" same/db.0001-000000000001.journal
check "same size, other bytes: refused" grep -q 'exists with a different content' err
get a/b/db.0001-000000000001.journal got >/dev/null
check "the original object kept" cmp -s got $s1

# A file URL: the object gets the URL's last part as its name.
expect_code 0 jship $ep --to "s3://$S3_BUCKET/one/renamed.journal" $s1
get one/renamed.journal got >/dev/null
check "s3://BUCKET/KEY names the object" cmp -s got $s1

# A wrong secret: the store refuses the signature; 77, and the keys' origin is named.
expect_code 77 env AWS_SECRET_ACCESS_KEY=wrong-secret jship $ep --to "s3://$S3_BUCKET/w/" $s1
check "wrong secret: access denied, said once" test "$(grep -c 'access denied (HTTP 403' err)" -eq 1
check "wrong secret: the keys' origin named" grep -q 'check the keys from AWS_ACCESS_KEY_ID' err
check "wrong secret: nothing stored" test "$(s3curl -I -H "x-amz-content-sha256: $(s3_empty)" -o /dev/null -w '%{http_code}' "$S3_ENDPOINT/$S3_BUCKET/w/db.0001-000000000001.journal")" = 404

# Keys from ~/.aws/credentials, the profile AWS_PROFILE; the environment comes first.
mkdir -p home/.aws
printf '[default]\naws_access_key_id = NOPE\naws_secret_access_key = nope\n\n[ceph]\n# test store\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
	"$S3_ACCESS_KEY" "$S3_SECRET_KEY" > home/.aws/credentials
chmod 600 home/.aws/credentials
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
expect_code 0 env HOME="$T/home" AWS_PROFILE=ceph jship $ep --to "s3://$S3_BUCKET/prof/" $s1
get prof/db.0001-000000000001.journal got >/dev/null
check "keys from the ceph profile" cmp -s got $s1
expect_code 77 env HOME="$T/home" jship $ep --to "s3://$S3_BUCKET/prof2/" $s1
check "the default profile's wrong keys: the file named" grep -q "home/.aws/credentials \[default\]" err
expect_code 77 env HOME="$T/home" AWS_PROFILE=none jship $ep --to "s3://$S3_BUCKET/prof2/" $s1
check "a missing profile: said before sending" grep -q 'in profile \[none\]' err
chmod 644 home/.aws/credentials
expect_code 77 env HOME="$T/home" AWS_PROFILE=ceph jship $ep --to "s3://$S3_BUCKET/prof2/" $s1
check "a credentials file others may read is refused" grep -q 'can be read by others' err
expect_code 77 env HOME="$T/nohome" jship $ep --to "s3://$S3_BUCKET/prof2/" $s1
check "no keys at all: said" grep -q 'no S3 credentials' err
expect_code 77 env AWS_ACCESS_KEY_ID=x jship $ep --to "s3://$S3_BUCKET/prof2/" $s1
check "half the keys: said" grep -q 'AWS_ACCESS_KEY_ID is set but not AWS_SECRET_ACCESS_KEY' err
# AWS_ENDPOINT_URL instead of --s3-endpoint
export AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY"
expect_code 0 env AWS_ENDPOINT_URL="$S3_ENDPOINT" jship --to "s3://$S3_BUCKET/envep/" $s1
get envep/db.0001-000000000001.journal got >/dev/null
check "the endpoint from AWS_ENDPOINT_URL" cmp -s got $s1

# A store that does not confirm the condition (here the probe is denied by a bucket policy):
# every file is looked for first (HEAD), and an existing one compared as before.
printf '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":["*"]},"Action":"s3:PutObject","Resource":"arn:aws:s3:::%s/fb/.jship-probe"}]}' \
	"$S3_BUCKET" > policy
check "bucket policy set" test "$(s3curl -X PUT --data-binary @policy -H "x-amz-content-sha256: $(s3_sha policy)" \
	-o /dev/null -w '%{http_code}' "$S3_ENDPOINT/$S3_BUCKET?policy=")" = 204
expect_code 0 jship -v -v $ep --to "s3://$S3_BUCKET/fb/" src/*
check "fallback: the probe was refused" grep -q '< HTTP/1.1 403' err
check "fallback: a HEAD before each of the three PUTs" test "$(grep -c '> HEAD /[^ ]*/fb/db\.' err)" -eq 3
check "fallback: no conditional PUT refused" sh -c "! grep -q '< HTTP/1.1 412' err"
get fb/db.0001-000000000003.journal got >/dev/null
check "fallback: published" cmp -s got src/db.0001-000000000003.journal
expect_code 0 jship -v $ep --to "s3://$S3_BUCKET/fb/" src/*
check "fallback: identical re-send accepted" grep -q 'already there: db.0001-000000000001.journal' err
expect_code 65 jship $ep --to "s3://$S3_BUCKET/fb/" same/db.0001-000000000001.journal
check "fallback: other bytes refused" grep -q 'exists with a different content' err

# URLs refused before anything is sent
expect_code 64 jship $ep --to "s3://user@$S3_BUCKET/x/" $s1
expect_code 64 jship $ep --to "s3://Bad_Bucket!/x/" $s1
expect_code 64 jship --s3-endpoint ftp://127.0.0.1/ --to "s3://$S3_BUCKET/x/" $s1
expect_code 64 jship $ep --s3-part-size 1M --to "s3://$S3_BUCKET/x/" $s1
finish
