import ArgumentParser
import Foundation
import Recur
import RecurFixtures
import RecurCLI

/// `rnn-bench check`: fixture files against a backend, one line per file and backend.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run PyTorch reference fixtures on a backend and compare.",
        discussion: """
            Prints one line per file and backend: PASS or FAIL, the file, the backend, then the tensor \
            furthest from the reference with its largest absolute and relative errors. Exits 0 when \
            every line passes, 1 when any fails, 2 when a file cannot be read.
            """
    )

    @Option(help: "The backend to check.")
    var backend: BackendChoice = .cpu

    @Option(help: "The OpenCL device: an index or part of a name (see `rnn-bench devices`; default RECUR_DEVICE, else the first GPU, else the first CPU device).")
    var device: String?

    @Argument(help: "Fixture files (.safetensors).")
    var files: [String] = []

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("no fixture files given") }
    }

    func run() throws {
        // Every file is read before anything runs: an unreadable file is a wrong command line, and
        // a run that stops halfway (or passes on the readable half) would hide that.
        var fixtures: [(name: String, file: SafeTensors)] = []
        var unreadable = 0
        for path in files {
            // The common mistakes get a plain reason; anything else is the reader's own message.
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) || isDirectory.boolValue {
                Console.error("rnn-bench check: cannot read fixture \(path): \(isDirectory.boolValue ? "it is a directory" : "no such file")")
                unreadable += 1
                continue
            }
            do {
                fixtures.append((path, try FixtureRunner.load(URL(fileURLWithPath: path))))
            } catch {
                Console.error("rnn-bench check: \(error)")
                unreadable += 1
            }
        }
        if unreadable > 0 {
            Console.error("rnn-bench check: \(unreadable) of \(files.count) files unreadable; nothing was run")
            throw ExitCode(2)
        }

        let backends = try backend.makeBackends(device: device)
        var failed = 0
        for fixture in fixtures {
            for backend in backends {
                let report = FixtureRunner.run(fixture.file, named: fixture.name, on: backend)
                print(report.line)
                Console.flush()
                if !report.passed { failed += 1 }
            }
        }
        if failed > 0 { throw ExitCode.failure }
    }
}
