// ceiling.cpp — the machine's ceiling for `opentrail import`: inflate (ISA-L, as the importer)
// + full simdjson parse of every file, on N threads, nothing stored. Prints events/s and MB/s.
//   c++ -O2 -std=c++17 ceiling.cpp -lsimdjson -lisal -pthread -o ceiling
//   ./ceiling THREADS < filelist.txt
#include <isa-l/igzip_lib.h>
#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

static std::vector<std::string> files;
static std::atomic<size_t> next_file{0}, events{0}, bytes{0};

static bool inflate_all(const std::string &in, std::string &out)
{
    struct inflate_state st;
    size_t pos = 0;
    out.clear();
    while (pos < in.size()) {
        isal_inflate_init(&st);
        st.crc_flag = ISAL_GZIP;
        st.next_in = (uint8_t *)in.data() + pos;
        st.avail_in = (uint32_t)(in.size() - pos);
        do {
            size_t old = out.size();
            out.resize(old + (1 << 20));
            st.next_out = (uint8_t *)out.data() + old;
            st.avail_out = 1 << 20;
            if (isal_inflate(&st) < 0)
                return false;
            out.resize(old + (1 << 20) - st.avail_out);
        } while (st.block_state != ISAL_BLOCK_FINISH && (st.avail_in > 0 || st.avail_out == 0));
        if (st.block_state != ISAL_BLOCK_FINISH)
            return false;
        pos = in.size() - st.avail_in;
    }
    return true;
}

static void work()
{
    simdjson::dom::parser parser;
    std::string raw, text;
    for (;;) {
        size_t i = next_file++;
        if (i >= files.size())
            return;
        std::ifstream f(files[i], std::ios::binary);
        std::stringstream ss;
        ss << f.rdbuf();
        raw = ss.str();
        if (!inflate_all(raw, text))
            continue;
        simdjson::dom::element doc;
        if (parser.parse(text).get(doc))
            continue;
        simdjson::dom::array recs;
        if (!doc["Records"].get(recs))
            events += recs.size();
        bytes += text.size();
    }
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 2;
    for (std::string l; std::getline(std::cin, l);)
        files.push_back(l);
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> ts;
    for (int i = 0; i < threads; i++)
        ts.emplace_back(work);
    for (auto &t : ts)
        t.join();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    printf("RESULT ceiling threads=%d files=%zu events=%zu seconds=%.3f events_per_s=%.0f MB_per_s=%.1f\n",
           threads, files.size(), (size_t)events, s, events / s, bytes / s / 1e6);
}
