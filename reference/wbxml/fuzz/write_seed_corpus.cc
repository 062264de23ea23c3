// Writes every sample of sample_documents.h into a directory, one file each:
// the seed corpus of the libFuzzer run (run_fuzzer.sh).
#include <cstdio>
#include <fstream>
#include <string>

#include "reference/wbxml/sample_documents.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: write_seed_corpus DIR\n");
    return 2;
  }
  auto samples = eas::wbxml::LoadSamples();
  if (!samples.ok()) {
    std::fprintf(stderr, "%s\n", samples.status().ToString().c_str());
    return 1;
  }
  for (const auto& s : *samples) {
    std::ofstream(std::string(argv[1]) + "/" + s.name + ".wbxml", std::ios::binary) << s.wbxml;
  }
  std::printf("wrote %zu seeds to %s\n", samples->size(), argv[1]);
  return 0;
}
