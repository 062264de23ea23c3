// Codec benchmark: prints throughput of our decoder and encoder against
// libwbxml's (its C API: decode into its tree, encode from it), measured in
// the same run on the same bytes, and the ratios. Figures, not assertions:
// docs/performance.md records them.
//
//   bazel run -c opt //reference/wbxml/bench:codec_benchmark
//       [-- --items=2000 --rounds=7 --small_items=200 --trim=0]
//
// The document is a Sync response of `items` Adds, half contacts, half mails
// with a plain-text body, about 1 MB of WBXML at the default 2,000 items.
// libwbxml's default encoding (with a string table) is too slow for that
// size; it is compared on a second, smaller document.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <malloc.h>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "pugixml.hpp"
#include "reference/wbxml/bench/libwbxml_tree.h"
#include "reference/wbxml/decoder.h"
#include "reference/wbxml/encoder.h"

namespace {

void Add(pugi::xml_node parent, const char* name, const std::string& text) {
  parent.append_child(name).append_child(pugi::node_pcdata).set_value(text.c_str());
}

// A Sync response the size of a first sync of a large mailbox.
void BuildSyncResponse(pugi::xml_document& doc, int items) {
  pugi::xml_node sync = doc.append_child("Sync");
  sync.append_attribute("xmlns") = "AirSync:";
  sync.append_attribute("xmlns:contacts") = "Contacts:";
  sync.append_attribute("xmlns:email") = "Email:";
  sync.append_attribute("xmlns:airsyncbase") = "AirSyncBase:";
  pugi::xml_node collection = sync.append_child("Collections").append_child("Collection");
  Add(collection, "SyncKey", "{5b3c2a7e-0d1f-4c8e-9a6b-1e2f3a4b5c6d}2");
  Add(collection, "CollectionId", "inbox");
  Add(collection, "Status", "1");
  pugi::xml_node commands = collection.append_child("Commands");
  const std::string body =
      "Hallo Ana,\r\nanbei die Zahlen für das dritte Quartal. Bitte bis Freitag prüfen "
      "und mit den Kolleginnen in Köln abstimmen; danach geht alles an die Geschäftsführung."
      "\r\nDie Präsentation für Montag liegt im Team-Ordner; Rückfragen gern per Mail oder "
      "telefonisch. Ich bin ab Mittwoch wieder im Büro.\r\nViele Grüße\r\nMiguel\r\n";
  for (int i = 0; i < items; ++i) {
    pugi::xml_node add = commands.append_child("Add");
    Add(add, "ServerId", absl::StrCat("1:", 10000 + i));
    pugi::xml_node data = add.append_child("ApplicationData");
    if (i % 2 == 0) {
      Add(data, "contacts:FileAs", absl::StrCat("Nachname", i, ", Vorname"));
      Add(data, "contacts:FirstName", "Vorname");
      Add(data, "contacts:LastName", absl::StrCat("Nachname", i));
      Add(data, "contacts:CompanyName", "Open-Xchange AG");
      Add(data, "contacts:JobTitle", "Senior Consultant");
      Add(data, "contacts:Email1Address", absl::StrCat("person", i, "@ox.io"));
      Add(data, "contacts:BusinessPhoneNumber", "+49 2761 8385-0");
      Add(data, "contacts:MobilePhoneNumber", absl::StrCat("+49 170 555", 1000 + i));
      Add(data, "contacts:BusinessAddressStreet", "Martinstraße 41");
      Add(data, "contacts:BusinessAddressCity", "Olpe");
      Add(data, "contacts:BusinessAddressPostalCode", "57462");
      Add(data, "contacts:BusinessAddressCountry", "Deutschland");
      Add(data, "contacts:Birthday", "1980-06-15T11:00:00.000Z");
      pugi::xml_node b = data.append_child("airsyncbase:Body");
      Add(b, "airsyncbase:Type", "1");
      Add(b, "airsyncbase:EstimatedDataSize", "96");
      Add(b, "airsyncbase:Data", body.substr(0, 96));
    } else {
      Add(data, "email:To", "\"Ana Souza\" <ana@ox.io>");
      Add(data, "email:From", "\"Miguel Ortega\" <miguel@ox.io>");
      Add(data, "email:Subject", absl::StrCat("Quartalszahlen, Teil ", i));
      Add(data, "email:DateReceived", "2026-11-20T08:15:00.000Z");
      Add(data, "email:DisplayTo", "Ana Souza");
      Add(data, "email:ThreadTopic", "Quartalszahlen");
      Add(data, "email:Importance", "1");
      Add(data, "email:Read", i % 3 == 0 ? "1" : "0");
      Add(data, "email:MessageClass", "IPM.Note");
      Add(data, "email:InternetCPID", "65001");
      pugi::xml_node b = data.append_child("airsyncbase:Body");
      Add(b, "airsyncbase:Type", "1");
      Add(b, "airsyncbase:EstimatedDataSize", absl::StrCat(body.size()));
      Add(b, "airsyncbase:Data", body);
      Add(data, "airsyncbase:NativeBodyType", "1");
    }
  }
}

struct Figure {
  double mb_per_s = 0;
  double ms = 0;
};

// Times each case as the median over `rounds` rounds. The cases run
// interleaved, round by round, so that a busy moment of the machine touches
// ours and libwbxml's alike; each round repeats a call for >= 100 ms.
std::vector<Figure> MeasureInterleaved(size_t bytes, int rounds,
                                       const std::vector<std::function<void()>>& cases) {
  using Clock = std::chrono::steady_clock;
  std::vector<int> per_round(cases.size(), 1);
  for (size_t c = 0; c < cases.size(); ++c) {
    cases[c]();  // warm up
    for (;;) {
      auto t0 = Clock::now();
      for (int i = 0; i < per_round[c]; ++i) cases[c]();
      if (std::chrono::duration<double>(Clock::now() - t0).count() >= 0.1) break;
      per_round[c] *= 2;
    }
  }
  std::vector<std::vector<double>> seconds(cases.size());
  for (int r = 0; r < rounds; ++r) {
    for (size_t c = 0; c < cases.size(); ++c) {
      auto t0 = Clock::now();
      for (int i = 0; i < per_round[c]; ++i) cases[c]();
      seconds[c].push_back(std::chrono::duration<double>(Clock::now() - t0).count() /
                           per_round[c]);
    }
  }
  std::vector<Figure> figures;
  for (auto& s : seconds) {
    std::sort(s.begin(), s.end());
    const double median = s[s.size() / 2];
    figures.push_back({bytes / median / 1e6, median * 1e3});
  }
  return figures;
}

int IntFlag(int argc, char** argv, const char* name, int fallback) {
  const std::string prefix = absl::StrCat("--", name, "=");
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) == 0) {
      return std::atoi(argv[i] + prefix.size());
    }
  }
  return fallback;
}

struct Comparison {
  size_t bytes = 0;
  WB_ULONG libwbxml_bytes = 0;
  Figure our_decode, lib_decode, our_encode, lib_encode;
};

// Our codec and libwbxml on the same Sync response of `items` Adds.
// libwbxml encodes with `use_strtbl` as asked: its default is a string table.
Comparison Compare(int items, int rounds, bool use_strtbl) {
  pugi::xml_document source;
  BuildSyncResponse(source, items);
  auto encoded = eas::wbxml::Encode(source);
  if (!encoded.ok()) {
    std::fprintf(stderr, "encode failed: %s\n", encoded.status().ToString().c_str());
    std::exit(1);
  }
  const std::string wbxml = *encoded;
  pugi::xml_document decoded;
  if (auto s = eas::wbxml::Decode(wbxml, decoded); !s.ok()) {
    std::fprintf(stderr, "decode failed: %s\n", s.ToString().c_str());
    std::exit(1);
  }
  // libwbxml must read the same bytes for the comparison to mean anything.
  std::vector<unsigned char> buffer(wbxml.begin(), wbxml.end());
  WBXMLTree* tree = nullptr;
  if (wbxml_tree_from_wbxml(buffer.data(), buffer.size(), WBXML_LANG_ACTIVESYNC,
                            WBXML_CHARSET_UTF_8, &tree) != WBXML_OK) {
    std::fprintf(stderr, "libwbxml cannot decode the document\n");
    std::exit(1);
  }
  WBXMLGenWBXMLParams params{};
  params.wbxml_version = WBXML_VERSION_13;
  params.keep_ignorable_ws = TRUE;
  params.use_strtbl = use_strtbl ? TRUE : FALSE;
  params.produce_anonymous = FALSE;

  Comparison result;
  result.bytes = wbxml.size();
  std::string out;
  const std::vector<Figure> figures = MeasureInterleaved(
      wbxml.size(), rounds,
      {[&] {
         pugi::xml_document doc;
         if (!eas::wbxml::Decode(wbxml, doc).ok()) std::abort();
       },
       [&] {
         WBXMLTree* t = nullptr;
         std::vector<unsigned char> copy(buffer);  // libwbxml may write to its input
         if (wbxml_tree_from_wbxml(copy.data(), copy.size(), WBXML_LANG_ACTIVESYNC,
                                   WBXML_CHARSET_UTF_8, &t) != WBXML_OK) {
           std::abort();
         }
         wbxml_tree_destroy(t);
       },
       [&] {
         out.clear();
         if (!eas::wbxml::EncodeTo(decoded, out).ok()) std::abort();
       },
       [&] {
         WB_UTINY* bytes = nullptr;
         if (wbxml_tree_to_wbxml(tree, &bytes, &result.libwbxml_bytes, &params) != WBXML_OK) {
           std::abort();
         }
         std::free(bytes);
       }});
  wbxml_tree_destroy(tree);
  result.our_decode = figures[0];
  result.lib_decode = figures[1];
  result.our_encode = figures[2];
  result.lib_encode = figures[3];
  return result;
}

void Print(const char* title, const Comparison& c) {
  std::printf("\n%s: %zu bytes of WBXML (libwbxml re-encodes to %u)\n", title, c.bytes,
              c.libwbxml_bytes);
  std::printf("  %-26s %10s %10s\n", "", "MB/s", "ms/doc");
  std::printf("  %-26s %10.1f %10.3f\n", "decode  ours (pugixml DOM)", c.our_decode.mb_per_s, c.our_decode.ms);
  std::printf("  %-26s %10.1f %10.3f\n", "decode  libwbxml (tree)", c.lib_decode.mb_per_s, c.lib_decode.ms);
  std::printf("  %-26s %10.1f %10.3f\n", "encode  ours", c.our_encode.mb_per_s, c.our_encode.ms);
  std::printf("  %-26s %10.1f %10.3f\n", "encode  libwbxml (tree)", c.lib_encode.mb_per_s, c.lib_encode.ms);
  std::printf("  ratio decode ours/libwbxml: %.1fx\n", c.our_decode.mb_per_s / c.lib_decode.mb_per_s);
  std::printf("  ratio encode ours/libwbxml: %.1fx\n", c.our_encode.mb_per_s / c.lib_encode.mb_per_s);
}

}  // namespace

int main(int argc, char** argv) {
  const int items = IntFlag(argc, argv, "items", 2000);
  const int rounds = IntFlag(argc, argv, "rounds", 7);
  const int small_items = IntFlag(argc, argv, "small_items", 200);
  // glibc returns freed heap to the kernel as soon as the top of the heap is
  // free; a document then pays a page fault per 4 KB on every decode. The
  // server keeps its heap (reference/server does the same); --trim=1 keeps
  // glibc's default to see that cost.
  if (IntFlag(argc, argv, "trim", 0) == 0) {
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
  }
  std::printf("codec benchmark: Sync responses of contacts and mails, median of %d rounds%s\n",
              rounds, IntFlag(argc, argv, "trim", 0) ? ", glibc heap trimming on" : "");
  const Comparison big = Compare(items, rounds, /*use_strtbl=*/false);
  Print(absl::StrCat(items, " Adds, libwbxml without string table (its fastest)").c_str(), big);
  // libwbxml's default encoding builds a string table, in time quadratic in
  // the document: measured on a smaller one so the run stays short.
  const Comparison small = Compare(small_items, 3, /*use_strtbl=*/true);
  Print(absl::StrCat(small_items, " Adds, libwbxml with its default string table").c_str(), small);
  std::printf("\ngoals: decode >= 10x libwbxml: %.1fx; encode >= 20x libwbxml: %.1fx (default), "
              "%.1fx (without string table)\n",
              big.our_decode.mb_per_s / big.lib_decode.mb_per_s,
              small.our_encode.mb_per_s / small.lib_encode.mb_per_s,
              big.our_encode.mb_per_s / big.lib_encode.mb_per_s);
  return 0;
}
