# What dh-parse -L writes for a payload, in jq, for the benchmark: the same
# fields in the same order, but none of dh-parse's checks (names, tags,
# types, ranges) and no error reporting.
def num: if . == null then null else tonumber | floor end;
def time: num | if . == null then null else todate end;
def nonnull: with_entries(select(.value != null));
.repository as $r | .push_data as $p
| ($r.repo_name // "\($r.namespace)/\($r.name)") as $rn
| ($p.tag // "latest") as $tag
| ($rn | index("/")) as $i
| ($p.pushed_at | time) as $at
| ({repo_name: $rn}
  + (if $i then {namespace: $rn[:$i], name: $rn[$i + 1:]}
     else {namespace: "library", name: $rn} end)
  + {tag: $tag, tags: [$tag], other_tags: [], image: "\($rn):\($tag)", pusher: $p.pusher, pushed_at: $at,
     date_created: ($r.date_created | time),
     repo_url: ("https://hub.docker.com/" + (if $i then "r/" else "_/" end)
       + $rn),
     callback_url: .callback_url} | nonnull)
+ {description: $r.description}
+ ({is_private: $r.is_private, is_official: $r.is_official,
    star_count: ($r.star_count | num),
    comment_count: ($r.comment_count | num)} | nonnull)
+ {id: "\($rn):\($tag)@\($at)"}
