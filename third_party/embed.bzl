"""Embeds a text file into C++ as a raw string literal (for `#include`)."""

def embed_text(name, src, out, delimiter = "EMBEDDED"):
    """Writes `out`, a C++ raw string literal holding `src` verbatim.

    Use it as `constexpr char kText[] =\n#include "path/out"\n;`. The text
    must not contain `)<delimiter>"`.
    """
    native.genrule(
        name = name,
        srcs = [src],
        outs = [out],
        cmd = "(printf 'R\"%s('; cat $<; printf ')%s\"\\n') > $@" % (delimiter, delimiter),
    )
