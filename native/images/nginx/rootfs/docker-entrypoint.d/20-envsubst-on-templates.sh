#!/bin/sh
# /etc/nginx/templates/*.template -> /etc/nginx/conf.d/*, with ${VAR} of the defined variables replaced.
set -e
dir=${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}
suffix=${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}
out=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
[ -d "$dir" ] || exit 0
if [ ! -w "$out" ]; then
  echo "$0: ERROR: $dir exists, but $out is not writable" >&2
  exit 0
fi
vars=$(printf '${%s} ' $(env | cut -d= -f1))
find "$dir" -follow -type f -name "*$suffix" -print | while read -r template; do
  rel=${template#"$dir/"}
  target="$out/${rel%"$suffix"}"
  mkdir -p "$(dirname "$target")"
  echo "$0: Running envsubst on $template to $target"
  envsubst "$vars" <"$template" >"$target"
done
