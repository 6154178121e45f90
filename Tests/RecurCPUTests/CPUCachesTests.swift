import Testing
@testable import RecurCPU

/// A sysfs cache folder as files: "index0/level" -> "1", ...
private func tree(_ caches: [(level: String, type: String, size: String, shared: String)]) -> [String: String] {
    var files: [String: String] = [:]
    for (index, cache) in caches.enumerated() {
        files["/c/index\(index)/level"] = cache.level + "\n"
        files["/c/index\(index)/type"] = cache.type + "\n"
        files["/c/index\(index)/size"] = cache.size + "\n"
        files["/c/index\(index)/shared_cpu_list"] = cache.shared + "\n"
    }
    return files
}

private func read(_ files: [String: String]) -> CPUCaches {
    CPUCaches.read(directory: "/c") { files[$0] }
}

@Suite("CPU caches and the blocking derived from them")
struct CPUCachesTests {
    @Test("sysfs as an AMD and an Intel machine write it")
    func machines() {
        let amd = read(tree([("1", "Data", "32K", "0"), ("1", "Instruction", "32K", "0"),
                             ("2", "Unified", "1024K", "0"), ("3", "Unified", "32768K", "0-1")]))
        #expect(amd == CPUCaches(l1Data: 32 << 10, l2: 1 << 20, l3PerCore: 16 << 20))
        // A 56-core Xeon: the L2 shared by a core's two hyperthreads, the L3 by every CPU of the socket.
        let intel = read(tree([("1", "Data", "48K", "0,56"), ("1", "Instruction", "32K", "0,56"),
                               ("2", "Unified", "2048K", "0,56"), ("3", "Unified", "107520K", "0-55,112-167")]))
        #expect(intel == CPUCaches(l1Data: 48 << 10, l2: 2 << 20, l3PerCore: 107_520 << 10 / 112))
    }

    @Test("missing, unreadable or hostile files keep the fallback's sizes")
    func hostileFiles() {
        #expect(read([:]) == .fallback)
        let ignored = [
            ("1", "Data", "-32K", "0"), ("1", "Data", "32Q", "0"), ("2", "Unified", "", "0"),
            ("2", "Unified", "99999999999999999999K", "0"), ("1", "Data", "12345678901G", "0"),
            ("3", "Unified", "0K", "0"), ("4", "Unified", "64M", "0"), ("x", "Data", "32K", "0"),
            ("1", "Instruction", "64K", "0"), ("2", "Unified", "8G", "0"),
        ]
        for cache in ignored {
            #expect(read(tree([cache])) == .fallback, "\(cache)")
        }
        // A size that parses with a CPU list that does not: the cache counts as one CPU's.
        #expect(read(tree([("3", "Unified", "8M", "3-1")])).l3PerCore == 8 << 20)
        // A missing level file ends the scan; a missing size skips that cache.
        var files = tree([("1", "Data", "48K", "0"), ("2", "Unified", "2M", "0")])
        files["/c/index0/size"] = nil
        #expect(read(files) == CPUCaches(l1Data: 32 << 10, l2: 2 << 20, l3PerCore: 16 << 20))
    }

    @Test("sizes and CPU lists")
    func parsing() {
        #expect(CPUCaches.parseSize("32K") == 32 << 10)
        #expect(CPUCaches.parseSize(" 2M\n") == 2 << 20)
        #expect(CPUCaches.parseSize("65536") == 65536)
        #expect(CPUCaches.parseSize("512") == nil)   // under 1 KiB
        #expect(CPUCaches.parseSize("5G") == nil)    // over 4 GiB
        #expect(CPUCaches.parseSize("K") == nil)
        #expect(CPUCaches.parseSize("３２K") == nil)
        #expect(CPUCaches.countCPUs("0") == 1)
        #expect(CPUCaches.countCPUs("0-3,8-11") == 8)
        #expect(CPUCaches.countCPUs("0,") == nil)
        #expect(CPUCaches.countCPUs("-1") == nil)
        #expect(CPUCaches.countCPUs("0-99999999") == nil)
        #expect(CPUList.ranges(" 0-1, 4 \n") == [0...1, 4...4])
        #expect(CPUList.ranges("1-0") == nil && CPUList.ranges("") == nil && CPUList.ranges("0-x") == nil)
    }

    @Test("the blocking on the machine it was measured on")
    func measuredMachine() {
        let blocking = GEMMBlocking(caches: .fallback)
        #expect([blocking.mc, blocking.kc, blocking.nc] == [120, 512, 2048])
        #expect(RowPanelKernels.depth(l1Data: 32 << 10) == 256)
    }

    @Test("any caches give blocks the kernels can take", arguments: 0..<4)
    func anyCaches(seed: Int) {
        var state = UInt64(seed + 1) &* 0x9E37_79B9_7F4A_7C15
        func size() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return 1 << 10 + Int(state >> 34) % (4 << 30)
        }
        for _ in 0..<500 {
            let blocking = GEMMBlocking(caches: CPUCaches(l1Data: size(), l2: size(), l3PerCore: size()))
            #expect(blocking.mc % (2 * gemmMR) == 0 && (12...1032).contains(blocking.mc), "\(blocking)")
            #expect(blocking.kc % 8 == 0 && (64...512).contains(blocking.kc), "\(blocking)")
            #expect(blocking.nc % (2 * gemmNR) == 0 && (256...16384).contains(blocking.nc), "\(blocking)")
            let depth = RowPanelKernels.depth(l1Data: size())
            #expect(depth % 16 == 0 && (64...1024).contains(depth))
        }
    }
}
