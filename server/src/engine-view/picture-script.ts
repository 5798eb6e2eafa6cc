// The script that asks a session's own engine what it holds, run in the sandbox as the learner (through
// runtime/, like a lesson check): the inner Engine API over its socket, one line per answer, "<kind> <json>".
// Images already known (their layers never change) are passed as arguments and not asked about again.

/** At most this many images are looked into on one run (the view draws no more). */
export const PICTURE_IMAGES_MAX = 200;

export const PICTURE_SCRIPT = `
set -u
sock=\${DOCKER_HOST#unix://}
api() { curl -sS --fail --max-time 5 --unix-socket "$sock" "http://engine$1" | tr -d '\\n'; echo; }
images=$(api /images/json)
printf 'images %s\\n' "$images"
printf 'containers '; api '/containers/json?all=1'
printf 'networks '; api /networks
printf 'volumes '; api /volumes
known=" $* "
for id in $(printf '%s' "$images" | jq -r '.[]?.Id? // empty' 2>/dev/null | head -n ${PICTURE_IMAGES_MAX}); do
  [[ $id =~ ^sha256:[0-9a-f]{64}$ ]] || continue
  [[ $known == *" $id "* ]] && continue
  printf 'inspect '; api "/images/$id/json"
  printf 'history %s ' "$id"; api "/images/$id/history"
done
`;
