// Decoding: the WBXML 1.3 token stream as EAS uses it, into the DOM of dom.h,
// and every kind of bad input answered with a Status naming the byte offset.
#include "reference/wbxml/decoder.h"

#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reference/wbxml/dom.h"

namespace eas::wbxml {
namespace {

using ::testing::HasSubstr;

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

// <FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>
const std::string kFolderSync =
    Bytes({0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x56, 0x52, 0x03, '0', 0x00, 0x01, 0x01});

TEST(Decoder, FolderSyncRequest) {
  pugi::xml_document doc;
  ASSERT_TRUE(Decode(kFolderSync, doc).ok());
  pugi::xml_node root = doc.first_child();
  EXPECT_STREQ(root.name(), "FolderSync");
  EXPECT_STREQ(root.attribute("xmlns").value(), "FolderHierarchy:");
  EXPECT_STREQ(root.child("SyncKey").text().get(), "0");
}

TEST(Decoder, OtherPagesGetTheirPrefixDeclaredOnTheRoot) {
  // Sync > Options > airsyncbase:BodyPreference > airsyncbase:Type "2"
  std::string in = Bytes({0x03, 0x01, 0x6A, 0x00, 0x45, 0x57, 0x00, 0x11, 0x45, 0x46, 0x03,
                          '2', 0x00, 0x01, 0x01, 0x01, 0x01});
  pugi::xml_document doc;
  ASSERT_TRUE(Decode(in, doc).ok());
  pugi::xml_node root = doc.first_child();
  EXPECT_STREQ(root.attribute("xmlns:airsyncbase").value(), "AirSyncBase:");
  EXPECT_STREQ(root.child("Options")
                   .child("airsyncbase:BodyPreference")
                   .child("airsyncbase:Type")
                   .text()
                   .get(),
               "2");
}

TEST(Decoder, OpaqueIsKeptByteForByte) {
  // ComposeMail:Mime with 4 bytes including NUL and a non-UTF-8 byte.
  std::string in = Bytes({0x03, 0x01, 0x6A, 0x00, 0x00, 0x15, 0x45, 0x50, 0xC3, 0x04, 'a',
                          0x00, 0xFF, 'b', 0x01, 0x01});
  pugi::xml_document doc;
  ASSERT_TRUE(Decode(in, doc).ok());
  pugi::xml_node mime = doc.first_child().child("Mime");
  EXPECT_TRUE(IsOpaque(mime));
  auto bytes = ContentBytes(mime);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, Bytes({'a', 0x00, 0xFF, 'b'}));
}

TEST(Decoder, OpaqueAndStringsInOneRunAreOneOpaqueContent) {
  std::string in = Bytes({0x03, 0x01, 0x6A, 0x00, 0x00, 0x15, 0x45, 0x50, 0xC3, 0x01, 'a', 0x03,
                          'b', 0x00, 0x01, 0x01});
  pugi::xml_document doc;
  ASSERT_TRUE(Decode(in, doc).ok());
  pugi::xml_node mime = doc.first_child().child("Mime");
  EXPECT_TRUE(IsOpaque(mime));
  EXPECT_EQ(*ContentBytes(mime), "ab");
}

TEST(Decoder, StringTableEntityAndInlineStringsJoin) {
  // String table "ab\0cd\0"; SyncKey text = STR_T(3) + ENTITY(U+00E9) + STR_I "x".
  std::string in = Bytes({0x03, 0x01, 0x6A, 0x06, 'a', 'b', 0x00, 'c', 'd', 0x00, 0x00, 0x07,
                          0x56, 0x52, 0x83, 0x03, 0x02, 0x81, 0x69, 0x03, 'x', 0x00, 0x01, 0x01});
  pugi::xml_document doc;
  ASSERT_TRUE(Decode(in, doc).ok());
  EXPECT_STREQ(doc.first_child().child("SyncKey").text().get(), "cd\xC3\xA9x");
}

// Issue 15: a 1 MB Provision body whose string table entry was referenced
// 20,000 times expanded to ~20 GB and ended the process with bad_alloc.
TEST(Decoder, StringTableReferencesCannotExpandWithoutBound) {
  auto mb = [](uint32_t v) {
    std::string out(1, static_cast<char>(v & 0x7f));
    for (v >>= 7; v != 0; v >>= 7) out.insert(out.begin(), static_cast<char>(0x80 | (v & 0x7f)));
    return out;
  };
  const std::string entry(60000, 'a');
  std::string in = Bytes({0x03, 0x01, 0x6A});
  in += mb(static_cast<uint32_t>(entry.size() + 1)) + entry + std::string(1, '\0');
  in += Bytes({0x00, 0x07, 0x56, 0x52});  // FolderSync, SyncKey with content
  for (int i = 0; i < 20000; ++i) in += Bytes({0x83, 0x00});
  in += Bytes({0x01, 0x01});
  pugi::xml_document doc;
  absl::Status s = Decode(in, doc);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("expand"));
  // A few references of the same entry are ordinary and still decode.
  std::string few = Bytes({0x03, 0x01, 0x6A});
  few += mb(static_cast<uint32_t>(entry.size() + 1)) + entry + std::string(1, '\0');
  few += Bytes({0x00, 0x07, 0x56, 0x52, 0x83, 0x00, 0x83, 0x00, 0x01, 0x01});
  ASSERT_TRUE(Decode(few, doc).ok());
  EXPECT_EQ(std::string(doc.first_child().child("SyncKey").text().get()).size(), 120000u);
}

TEST(Decoder, HeaderForms) {
  // Public id 0 (string table index follows), charset US-ASCII, version 1.2.
  std::string in = Bytes({0x02, 0x00, 0x00, 0x03, 0x00, 0x00, 0x07, 0x16});
  pugi::xml_document doc;
  ASSERT_TRUE(Decode(in, doc).ok()) << Decode(in, doc);
  EXPECT_STREQ(doc.first_child().name(), "FolderSync");
  // Any charset but UTF-8 (or its subset US-ASCII) is refused with its offset.
  std::string latin = Bytes({0x03, 0x01, 0x04, 0x00, 0x00, 0x07, 0x16});
  absl::Status s = Decode(latin, doc);
  EXPECT_THAT(std::string(s.message()), HasSubstr("charset"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("offset 2"));
}

TEST(Decoder, NonstandardPage254DoesNotFail) {
  std::string in = Bytes({0x03, 0x01, 0x6A, 0x00, 0x45, 0x00, 0xFE, 0x45, 0x7A, 0x03, 'v',
                          0x00, 0x01, 0x01, 0x01});
  pugi::xml_document doc;
  ASSERT_TRUE(Decode(in, doc).ok());
  pugi::xml_node annotations = doc.first_child().child("windowslive:Annotations");
  ASSERT_TRUE(annotations);
  EXPECT_STREQ(annotations.child("windowslive:Tag0x3A").text().get(), "v");
}

struct BadInput {
  const char* name;
  std::string bytes;
  const char* message;
  size_t offset;
};

class DecoderRejects : public ::testing::TestWithParam<BadInput> {};

TEST_P(DecoderRejects, WithStatusNamingTheOffset) {
  const BadInput& bad = GetParam();
  pugi::xml_document doc;
  absl::Status s = Decode(bad.bytes, doc);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(bad.message));
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("at byte offset " + std::to_string(bad.offset)));
  EXPECT_FALSE(doc.first_child());
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, DecoderRejects,
    ::testing::Values(
        BadInput{"Empty", "", "empty body", 0},
        BadInput{"BadVersion", Bytes({0x09, 0x01, 0x6A, 0x00}), "version", 0},
        BadInput{"TruncatedHeader", Bytes({0x03, 0x01}), "truncated charset", 2},
        BadInput{"TruncatedBody", kFolderSync.substr(0, 11), "truncated body", 11},
        BadInput{"NoRoot", Bytes({0x03, 0x01, 0x6A, 0x00}), "no root element", 4},
        BadInput{"UnknownPage", Bytes({0x03, 0x01, 0x6A, 0x00, 0x00, 0x1A, 0x45, 0x01}),
                 "unknown code page 26", 5},
        BadInput{"UnknownToken", Bytes({0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x7F, 0x01}),
                 "unknown tag token 0x3F on code page 7", 6},
        BadInput{"OverlongMultiByte",
                 Bytes({0x03, 0x01, 0x6A, 0x00, 0x45, 0xC3, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}),
                 "over 32 bits", 6},
        BadInput{"MultiByteOver32Bits",
                 Bytes({0x03, 0x01, 0x6A, 0x00, 0x45, 0xC3, 0x9F, 0xFF, 0xFF, 0xFF, 0x7F}),
                 "over 32 bits", 6},
        BadInput{"StringTableReferenceOutOfRange",
                 Bytes({0x03, 0x01, 0x6A, 0x02, 'a', 0x00, 0x45, 0x83, 0x05, 0x01}),
                 "string table reference 5", 7},
        BadInput{"StringTableLongerThanBody", Bytes({0x03, 0x01, 0x6A, 0x40, 'a'}),
                 "string table runs past", 3},
        BadInput{"InvalidUtf8", Bytes({0x03, 0x01, 0x6A, 0x00, 0x45, 0x03, 'o', 'k', 0xC0, 0xAF,
                                       0x00, 0x01}),
                 "invalid UTF-8", 8},
        BadInput{"Surrogate", Bytes({0x03, 0x01, 0x6A, 0x00, 0x45, 0x03, 0xED, 0xA0, 0x80, 0x00,
                                     0x01}),
                 "invalid UTF-8", 6},
        BadInput{"UnterminatedString", Bytes({0x03, 0x01, 0x6A, 0x00, 0x45, 0x03, 'a', 'b'}),
                 "unterminated inline string", 5},
        BadInput{"OpaqueLongerThanBody", Bytes({0x03, 0x01, 0x6A, 0x00, 0x45, 0xC3, 0x10, 'a'}),
                 "opaque data of 16 bytes", 5},
        BadInput{"Attributes", Bytes({0x03, 0x01, 0x6A, 0x00, 0xC5, 0x01}), "attributes", 4},
        BadInput{"Literal", Bytes({0x03, 0x01, 0x6A, 0x00, 0x04, 0x00}), "literal", 4},
        BadInput{"Extension", Bytes({0x03, 0x01, 0x6A, 0x00, 0x45, 0xC0, 0x01}), "extension", 5},
        BadInput{"ProcessingInstruction", Bytes({0x03, 0x01, 0x6A, 0x00, 0x43}), "processing", 4},
        BadInput{"EndWithoutElement", Bytes({0x03, 0x01, 0x6A, 0x00, 0x01}), "END without", 4},
        BadInput{"TextBeforeRoot", Bytes({0x03, 0x01, 0x6A, 0x00, 0x03, 'a', 0x00}),
                 "outside the root", 4},
        BadInput{"TrailingData", Bytes({0x03, 0x01, 0x6A, 0x00, 0x05, 0x05}),
                 "data after the end of the root", 5},
        BadInput{"EntityNotACharacter",
                 Bytes({0x03, 0x01, 0x6A, 0x00, 0x45, 0x02, 0x83, 0xB0, 0x00, 0x01}),
                 "not a Unicode character", 5},
        // Opaque bytes are the whole content of an element or nothing (found
        // by the fuzzer: opaque, then a child, then text).
        BadInput{"ChildAfterOpaque", Bytes({0x03, 0x01, 0x6A, 0x00, 0x00, 0x15, 0x45, 0x50, 0xC3,
                                            0x01, 'a', 0x51, 0x03, 'x', 0x00, 0x01, 0x01, 0x01}),
                 "opaque data mixed with other content", 11},
        BadInput{"OpaqueAfterChild", Bytes({0x03, 0x01, 0x6A, 0x00, 0x00, 0x15, 0x45, 0x50, 0x03,
                                            'a', 0x00, 0x11, 0xC3, 0x01, 'b', 0x01, 0x01}),
                 "opaque data mixed with other content", 15},
        BadInput{"TruncatedSwitchPage", Bytes({0x03, 0x01, 0x6A, 0x00, 0x45, 0x00}),
                 "truncated SWITCH_PAGE", 5}),
    [](const ::testing::TestParamInfo<BadInput>& info) { return info.param.name; });

TEST(Decoder, DepthLimit) {
  std::string in = Bytes({0x03, 0x01, 0x6A, 0x00});
  for (int i = 0; i < 10; ++i) in.push_back(0x45);
  for (int i = 0; i < 10; ++i) in.push_back(0x01);
  pugi::xml_document doc;
  DecodeOptions options;
  options.max_depth = 10;
  EXPECT_TRUE(Decode(in, doc, options).ok());
  options.max_depth = 9;
  absl::Status s = Decode(in, doc, options);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(s.message()), HasSubstr("at byte offset 13"));
}

TEST(Decoder, SizeLimit) {
  pugi::xml_document doc;
  DecodeOptions options;
  options.max_size = kFolderSync.size() - 1;
  absl::Status s = Decode(kFolderSync, doc, options);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(s.message()), HasSubstr("larger than the limit"));
  options.max_size = kFolderSync.size();
  EXPECT_TRUE(Decode(kFolderSync, doc, options).ok());
}

// Every proper prefix of a valid body is an error, never a crash or a
// partial document.
TEST(Decoder, EveryTruncationIsAnError) {
  std::string in = Bytes({0x03, 0x01, 0x6A, 0x03, 'z', 0x00, 0x00, 0x45, 0x5C, 0x4F, 0x4B,
                          0x83, 0x00, 0x01, 0x57, 0xC3, 0x02, 0x01, 0x02, 0x01, 0x01, 0x01,
                          0x01});
  pugi::xml_document doc;
  ASSERT_TRUE(Decode(in, doc).ok()) << Decode(in, doc);
  for (size_t n = 0; n < in.size(); ++n) {
    EXPECT_FALSE(Decode(in.substr(0, n), doc).ok()) << "prefix of " << n << " bytes";
    EXPECT_FALSE(doc.first_child());
  }
}

}  // namespace
}  // namespace eas::wbxml
