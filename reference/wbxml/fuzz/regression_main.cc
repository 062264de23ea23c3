// Runs the fuzz target without libFuzzer (g++ builds, ASan config): every
// sample of sample_documents.h, then a fixed, seeded stream of mutations of
// them (bit flips, byte changes, truncations, insertions, splices). Same
// inputs every run, so a failure reproduces; the seed and the mutation count
// can be set with --seed=N --mutations=N.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

#include "reference/wbxml/sample_documents.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

std::string Mutate(const std::string& base, const std::string& other, std::mt19937& rng) {
  std::string s = base;
  auto pick = [&](size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  const int edits = 1 + static_cast<int>(pick(4));
  for (int e = 0; e < edits; ++e) {
    switch (pick(6)) {
      case 0:
        if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1u << pick(8));
        break;
      case 1:
        if (!s.empty()) s[pick(s.size())] = static_cast<char>(pick(256));
        break;
      case 2:
        s.resize(pick(s.size() + 1));
        break;
      case 3:
        s.insert(pick(s.size() + 1), 1, static_cast<char>(pick(256)));
        break;
      case 4: {  // splice a piece of another sample
        size_t from = pick(other.size() + 1);
        size_t len = pick(other.size() - from + 1);
        s.insert(pick(s.size() + 1), other.substr(from, len));
        break;
      }
      default:
        if (!s.empty()) s.erase(pick(s.size()), 1 + pick(4));
        break;
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  unsigned seed = 20261124;
  long mutations = 200000;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--seed=", 7) == 0) seed = std::strtoul(argv[i] + 7, nullptr, 10);
    if (std::strncmp(argv[i], "--mutations=", 12) == 0) mutations = std::strtol(argv[i] + 12, nullptr, 10);
  }
  auto samples = eas::wbxml::LoadSamples();
  if (!samples.ok() || samples->empty()) {
    std::fprintf(stderr, "no samples: %s\n", samples.status().ToString().c_str());
    return 1;
  }
  for (const auto& s : *samples) Run(s.wbxml);
  std::mt19937 rng(seed);
  for (long i = 0; i < mutations; ++i) {
    const auto& base = (*samples)[i % samples->size()].wbxml;
    const auto& other = (*samples)[rng() % samples->size()].wbxml;
    Run(Mutate(base, other, rng));
  }
  std::printf("%zu samples and %ld mutations (seed %u): no crash, codec contract held\n",
              samples->size(), mutations, seed);
  return 0;
}
