#!/usr/bin/env bash
# Re-fetches the GraphiQL playground's vendored browser assets from the npm
# registry into virtualservices/playground/assets/. The playground must work
# without internet, so these files are committed and embedded in the binary.
#
# Versions and tarball digests are pinned below: running the script twice
# gives the same bytes, and a tarball that does not match its pinned digest
# stops the update. To move to a new version, change the version, run
#     npm view PACKAGE@VERSION dist.integrity
# to get its digest, paste both here, run this script and the playground tests.
set -euo pipefail

GRAPHIQL_VERSION=3.8.3
GRAPHIQL_INTEGRITY=sha512-cuPDYtXVKV86Pu5PHBX642Odi/uVEE2y1Jxq5rGO/Qy1G2lRp7ZZ7a/T30RzxhuLSWo9zUbzq0P3U49//H0Ugw==
REACT_VERSION=18.3.1
REACT_INTEGRITY=sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ==
REACT_DOM_INTEGRITY=sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw==

cd "$(dirname "$0")/.."
dest=virtualservices/playground/assets

for tool in npm node tar gzip; do
	command -v "$tool" >/dev/null 2>&1 || { echo "update-graphiql: $tool is required" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fetch NAME VERSION INTEGRITY: packs NAME@VERSION into $work/NAME/package,
# after checking the tarball against its pinned digest.
fetch() {
	local name=$1 version=$2 want=$3 tgz got
	tgz=$(cd "$work" && npm pack --silent "$name@$version" | tail -n1)
	got=$(node -e 'const c=require("crypto"),f=require("fs");
		process.stdout.write("sha512-"+c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$work/$tgz")
	if [[ $got != "$want" ]]; then
		echo "update-graphiql: $name@$version digest $got, pinned $want" >&2
		exit 1
	fi
	mkdir -p "$work/$name"
	tar -xzf "$work/$tgz" -C "$work/$name"
}

fetch graphiql "$GRAPHIQL_VERSION" "$GRAPHIQL_INTEGRITY"
fetch react "$REACT_VERSION" "$REACT_INTEGRITY"
fetch react-dom "$REACT_VERSION" "$REACT_DOM_INTEGRITY"

# Only the vendored folders are replaced: playground.js and playground.css
# beside them are the project's own code.
rm -rf "$dest/graphiql" "$dest/react" "$dest/react-dom"
mkdir -p "$dest/graphiql" "$dest/react" "$dest/react-dom"
cp "$work/graphiql/package/graphiql.min.js" "$work/graphiql/package/graphiql.min.css" \
	"$work/graphiql/package/LICENSE" "$dest/graphiql/"
cp "$work/react/package/umd/react.production.min.js" "$work/react/package/LICENSE" "$dest/react/"
cp "$work/react-dom/package/umd/react-dom.production.min.js" "$work/react-dom/package/LICENSE" "$dest/react-dom/"

# Precompressed here rather than when the server starts: the GraphiQL bundle is
# several megabytes, and compressing it on every start (and on every config
# reload that builds a new handler) would cost CPU for bytes that never change.
# -n leaves out the name and time stamp so the output is reproducible.
for f in "$dest"/graphiql/*.min.js "$dest"/graphiql/*.min.css "$dest"/react/*.js "$dest"/react-dom/*.js; do
	gzip -9 -n -c "$f" >"$f.gz"
done

cat >"$dest/README.md" <<EOF
# Playground assets

The GraphiQL playground is served from these files, embedded in the binary, so
it works with no internet access. Do not edit the vendored folders by hand:
\`scripts/update-graphiql.sh\` fetches them from the npm registry at the pinned
versions, checks each tarball against its pinned digest, and writes this file.

| folder | npm package | files taken from the package | license |
|---|---|---|---|
| \`graphiql/\` | \`graphiql@$GRAPHIQL_VERSION\` ($GRAPHIQL_INTEGRITY) | \`graphiql.min.js\`, \`graphiql.min.css\` (UMD build) | MIT, \`graphiql/LICENSE\` |
| \`react/\` | \`react@$REACT_VERSION\` ($REACT_INTEGRITY) | \`umd/react.production.min.js\` | MIT, \`react/LICENSE\` |
| \`react-dom/\` | \`react-dom@$REACT_VERSION\` ($REACT_DOM_INTEGRITY) | \`umd/react-dom.production.min.js\` | MIT, \`react-dom/LICENSE\` |

The GraphiQL UMD bundle also contains its own dependencies (\`@graphiql/react\`,
\`graphql\`, CodeMirror 5, Radix UI, markdown-it and others, under MIT and
similar permissive licenses); their notices are kept inside the bundle.

Each \`.gz\` file is the gzip (\`-9 -n\`) of the file beside it, made by the
script so the server does not compress megabytes at start-up; a test checks that
each one inflates to its original.

\`playground.js\` and \`playground.css\` are the project's own code: the page's
start-up script and layout, kept in files because the page's
Content-Security-Policy allows no inline script or style.
EOF

echo "update-graphiql: graphiql@$GRAPHIQL_VERSION, react@$REACT_VERSION, react-dom@$REACT_VERSION written to $dest" >&2
