import ArgumentParser
import Foundation
import RecurCLI
import RecurOpenCL

/// `rnn-bench tune`: measures the GEMM parameters of an OpenCL device and caches the best, which
/// every later `OpenCLBackend` on that device and driver then uses (DESIGN.md: tuning parameters
/// are measured, not guessed).
struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Search the OpenCL GEMM parameters of a device and cache the fastest.",
        discussion: """
            Candidates: the packed path (GEMM_MR 1, 2, 4, 8 x work-group width 1 to 32, all of them) and \
            the tiled path (register block TM x TN in 2, 4, 8; work-group WG_M x WG_N in 4, 8, 16 within \
            the device's limit; global memory or local tiles of depth TK 8, 16, 32), searched one group at \
            a time from the best so far (--exhaustive: every combination), on every device. Each \
            candidate is first checked against the CPU's GEMM on every shape (max|err|/max|ref| <= 1e-5); \
            one that fails to build or is wrong is printed and dropped. Then --warmup untimed runs and \
            --repeat timed runs; a run queues a few GEMMs of a shape and waits once. The score is the \
            total time of one GEMM of each shape (the recurrent step, the input projection and the \
            weight gradient of lstm-medium, batches of 32 and 1): the median per shape, added up; lower \
            wins. A candidate over three times the best total on its first run after the check is not \
            timed further (pruned). The best few and the defaults are then timed again side by side, \
            and the fastest is written to (the defaults unless the fastest takes at least 5% less time) \
            <cache>/tuning/<device>-<driver>.json, where <cache> is $RECUR_CACHE_DIR, else \
            $XDG_CACHE_HOME/recur, else ~/.cache/recur. RECUR_TUNING=off makes backends ignore it.
            """
    )

    @Option(help: "The OpenCL device: an index or part of a name (see `rnn-bench devices`; default RECUR_DEVICE, else the first GPU, else the first CPU device).")
    var device: String?

    @Option(name: .customLong("repeat"), help: "Timed runs of each candidate (the median per shape counts).")
    var repeats: Int = 5

    @Option(help: "Untimed runs of each candidate after its check.")
    var warmup: Int = 1

    @Flag(help: "Try a handful of candidates only (for tests and a first look).")
    var quick = false

    @Flag(help: "Try every tiled combination rather than one group of parameters at a time (slow).")
    var exhaustive = false

    @Flag(help: "Measure and print, but do not write the cache.")
    var dryRun = false

    @Option(name: .customLong("shape"), help: ArgumentHelp(
        "A GEMM shape to tune on instead of the standard ones (repeatable): MxNxK as for `rnn-bench peak --shape`, with :At, :Bt or :AtBt for transposed operands.",
        valueName: "shape"))
    var customShapes: [TuneShape] = []

    /// Finalists timed again beside the defaults.
    static let finalists = 3

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeat must be at least 1, got \(repeats)") }
        guard warmup >= 0 else { throw ValidationError("--warmup must be at least 0, got \(warmup)") }
        guard !(quick && exhaustive) else { throw ValidationError("--quick and --exhaustive exclude each other") }
    }

    func run() throws {
        let settings = try BackendSettings.current(device: device)
        let chosen = try Backends.openCLDevice(settings)
        let cache = settings.openCL.tuningCache ?? GEMMTuningCache(directory: nil)
        let defaults = GEMMTuning.defaults(for: chosen.kind)
        print("device: \(chosen.summary)")
        print("driver \(chosen.driverVersion), \(chosen.openCLVersion)")
        print("GEMM parameters now: \(cache.lookup(for: chosen).source)")
        let shapes = customShapes.isEmpty ? TuneShape.standard : customShapes
        print("shapes (C = M x N, K): " + shapes.map { "\($0.name) (x\($0.batch) per wait)" }.joined(separator: ", "))
        print("warm-up \(warmup), timed repeats \(repeats)\n")
        Console.flush()

        let workload = try TuneWorkload(shapes: shapes, on: OpenCLBackend(options: settings.openCL, gemmTuning: defaults))
        var search = TuneSearch(measurement: TuneMeasurement(options: settings.openCL, workload: workload, warmup: warmup, repeats: repeats))
        search.evaluate([defaults])
        guard search.best() != nil else {
            throw TuneError.defaultsFailed(defaults.summary, reason: search.dropped.first?.reason ?? "no result")
        }
        let maxGroup = chosen.maxWorkGroupSize
        if quick {
            search.evaluate(TuneSpace.quick(maxWorkGroupSize: maxGroup))
        } else {
            search.evaluate(TuneSpace.packed(maxWorkGroupSize: maxGroup))
            if exhaustive {
                search.evaluate(TuneSpace.tiledProduct(maxWorkGroupSize: maxGroup))
            } else {
                for stage in 0..<TuneSpace.tiledStageCount {
                    let base = search.best(packed: false)?.tuning ?? TuneSpace.tiledBase(from: defaults)
                    search.evaluate(TuneSpace.tiledStage(stage, base: base, maxWorkGroupSize: maxGroup))
                }
            }
        }

        // The best few (fully timed ones first) and the defaults, again, side by side.
        let ranked = search.measured.filter { $0.tuning.summary != defaults.summary }
            .sorted { ($0.pruned ? 1 : 0, $0.total) < ($1.pruned ? 1 : 0, $1.total) }
        let finalists = [defaults] + ranked.prefix(Self.finalists).map(\.tuning)
        Console.error("timing the \(finalists.count - 1) best and the defaults side by side")
        let confirmed = try search.measurement.confirm(finalists)
        let defaultResult = confirmed[0]   // finalists[0]
        let results = confirmed.sorted { $0.total < $1.total }
        // A candidate replaces the defaults only when it is clearly faster: on a shared machine two
        // runs of the same kernel differ by a few percent, and a "win" inside that is noise.
        let fastest = results[0]
        let clearlyFaster = fastest.total < defaultResult.total * (1 - Self.margin)
        let winner = clearlyFaster ? fastest : defaultResult

        print("\nsearched \(search.measured.count + search.dropped.count) candidates: \(search.measured.count - search.prunedCount) timed, "
              + "\(search.prunedCount) pruned after one run, \(search.dropped.count) dropped (failed or wrong)")
        TuneTable(shapes: shapes, defaults: defaults).lines(results).forEach { print($0) }
        let change = (fastest.total / defaultResult.total - 1) * 100
        if !clearlyFaster, fastest.tuning.summary != defaults.summary {
            print(String(format: "\nfastest: %@ at %+.1f%% time, within the %.0f%% margin: the defaults stay",
                         fastest.tuning.summary, change, Self.margin * 100))
        }
        print(String(format: "\nwinner: %@: total %@ ms against %@ ms with the defaults (%+.1f%% time, %.2fx speed)",
                     winner.tuning.summary, TuneSearch.milliseconds(winner.total), TuneSearch.milliseconds(defaultResult.total),
                     (winner.total / defaultResult.total - 1) * 100, defaultResult.total / winner.total))

        let record = TuningRecord(device: chosen, tuning: winner.tuning, shapes: Self.shapeResults(shapes, defaults: defaultResult, tuned: winner))
        if dryRun {
            print("--dry-run: the cache (\(cache.path(for: chosen) ?? "none")) is left as it was")
        } else {
            print("wrote \(try cache.save(record))")
        }
    }
}

extension TuneCommand {
    /// How much less total time a candidate needs, against the defaults in the same confirmation
    /// round, to replace them.
    static let margin = 0.05

    /// The record's per-shape figures: GFLOP/s with the defaults and with the winner.
    static func shapeResults(_ shapes: [TuneShape], defaults: TuneResult, tuned: TuneResult) -> [TuningRecord.ShapeResult] {
        let before = defaults.gflops(shapes), after = tuned.gflops(shapes)
        return shapes.indices.map { index in
            let shape = shapes[index]
            return TuningRecord.ShapeResult(name: shape.name, m: shape.m, n: shape.n, k: shape.k, transA: shape.transA,
                                            transB: shape.transB, defaultGFLOPs: before[index], tunedGFLOPs: after[index])
        }
    }
}

/// The results table: a row per finalist, GFLOP/s per shape, the total and its ratio to the defaults.
struct TuneTable {
    let shapes: [TuneShape]
    let defaults: GEMMTuning

    func lines(_ results: [TuneResult]) -> [String] {
        let names = results.map { $0.tuning.summary + ($0.tuning == defaults ? " (defaults)" : "") }
        let nameWidth = names.map(\.count).reduce("candidate".count, max)
        let defaultTotal = results.first { $0.tuning == defaults }?.total
        let headers = shapes.map { "\($0.label) GFLOP/s" } + ["total ms", "vs defaults"]
        func row(_ name: String, _ cells: [String]) -> String {
            ([name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)]
                + zip(headers, cells).map { String(repeating: " ", count: max(0, $0.count - $1.count)) + $1 })
                .joined(separator: "  ")
        }
        let header = row("candidate", headers)
        return [header, String(repeating: "-", count: header.count)] + zip(names, results).map { name, result in
            let ratio = defaultTotal.map { String(format: "%+.1f%%", (result.total / $0 - 1) * 100) } ?? "-"
            return row(name, result.gflops(shapes).map { Table.figure($0) } + [TuneSearch.milliseconds(result.total), ratio])
        }
    }
}
