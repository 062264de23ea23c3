// libwbxml's tree API. Debian's libwbxml2-dev installs only the conversion
// headers, but libwbxml2.so exports the tree functions; these are their
// declarations as in libwbxml 0.11's wbxml_tree.h (used by the benchmark to
// measure libwbxml decoding into, and encoding from, its own tree).
#ifndef EAS_REFERENCE_WBXML_BENCH_LIBWBXML_TREE_H_
#define EAS_REFERENCE_WBXML_BENCH_LIBWBXML_TREE_H_

#include <wbxml/wbxml.h>

extern "C" {
typedef struct WBXMLTree_s WBXMLTree;
WBXMLError wbxml_tree_from_wbxml(WB_UTINY* wbxml, WB_ULONG wbxml_len, WBXMLLanguage lang,
                                 WBXMLCharsetMIBEnum charset, WBXMLTree** tree);
WBXMLError wbxml_tree_to_wbxml(WBXMLTree* tree, WB_UTINY** wbxml, WB_ULONG* wbxml_len,
                               WBXMLGenWBXMLParams* params);
void wbxml_tree_destroy(WBXMLTree* tree);
}

#endif  // EAS_REFERENCE_WBXML_BENCH_LIBWBXML_TREE_H_
