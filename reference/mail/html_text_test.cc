#include "reference/mail/html_text.h"

#include "gtest/gtest.h"

namespace eas::mail {
namespace {

TEST(HtmlToText, KeepsTextAndLineStructure) {
  EXPECT_EQ(HtmlToText("<html><head><title>x</title><style>p{color:red}</style></head><body>"
                       "<p>Hello&nbsp;<b>Ana</b>,</p><div>line&lt;2&gt;<br>caf&#233; &#x263A; &amp; co</div>"
                       "</body></html>"),
            "Hello Ana,\r\nline<2>\r\ncafé ☺ & co");
  EXPECT_EQ(HtmlToText("a\r\nb &unknown; c"), "a b &unknown; c");
  EXPECT_EQ(HtmlToText("<p>unclosed <b"), "unclosed");
}

}  // namespace
}  // namespace eas::mail
