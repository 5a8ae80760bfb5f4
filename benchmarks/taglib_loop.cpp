// The peer of the tag-scan benchmark: a plain loop calling TagLib on every file of a list
// (read-only stream, audio properties and the full PropertyMap), on the given number of
// threads. Prints files and seconds.
#include <taglib/fileref.h>
#include <taglib/tfilestream.h>
#include <taglib/tpropertymap.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char **argv) {
    if (argc < 2) { std::fprintf(stderr, "usage: taglib_loop LIST [THREADS]\n"); return 2; }
    std::ifstream list(argv[1]);
    std::vector<std::string> paths;
    for (std::string line; std::getline(list, line);) if (!line.empty()) paths.push_back(line);
    int threads = argc > 2 ? std::stoi(argv[2]) : 1;
    std::atomic<size_t> next{0}, valid{0}, properties{0};
    auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (size_t i; (i = next++) < paths.size();) {
                TagLib::FileStream stream(paths[i].c_str(), true);
                TagLib::FileRef ref(&stream, true, TagLib::AudioProperties::Average);
                if (ref.isNull() || !ref.file()->isValid()) continue;
                ++valid;
                properties += ref.file()->properties().size();
                if (ref.audioProperties()) properties += ref.audioProperties()->lengthInMilliseconds() > 0;
            }
        });
    }
    for (auto &worker : workers) worker.join();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%zu %zu %.6f\n", paths.size(), valid.load(), seconds);
    return 0;
}
