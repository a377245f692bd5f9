# `make help`: each target with the first sentence of the `## ` comment block above it. Variable
# assignments (and their continuation lines) between a comment and its target keep the comment, as in
# `## ...`, `UPGRADE :=`, `lock: ...`; anything else (a blank line, a pattern target) drops it.
/^## / { doc = doc (doc == "" ? "" : " ") substr($0, 4); next }
/^[a-zA-Z][a-zA-Z0-9_-]*:/ && !/^[^:]*:=/ {
    if (doc != "") {
        name = substr($0, 1, index($0, ":") - 1)
        sentence = doc
        sub(/\. .*/, ".", sentence)
        printf "  %-16s %s\n", name, sentence
    }
    doc = ""
    next
}
/^[A-Za-z_][A-Za-z0-9_]* *[:?+]?=/ || /^\t/ { next }
{ doc = "" }
