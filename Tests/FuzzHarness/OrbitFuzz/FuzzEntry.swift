import CLibFuzzer
import Foundation

/// The harness libFuzzer runs, chosen once per process by ORBIT_FUZZ_TARGET (see `FuzzTargets.all`).
nonisolated(unsafe) var selectedHarness: FuzzHarness?
/// The selected target's scratch folder: every error a reader throws must name a path under it.
nonisolated(unsafe) var selectedScratch: ScratchFolder?

/// libFuzzer's entry point: one input, fed to the selected harness. A thrown error is the expected
/// outcome of bad input, provided it names the file (docs/BAD_INPUTS.md); a trap, a sanitizer report,
/// a hang or a leak is a finding (libFuzzer stops and writes the input as crash-*, timeout-*, leak-*).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let harness = selectedHarness, let scratch = selectedScratch else { return 0 }
    let input = bytes.map { Data(bytes: $0, count: size) } ?? Data()
    do {
        try harness.run(input)
    } catch {
        requireErrorNamesFile(error, under: scratch.path)
    }
    return 0
}

/// What the sanitizer build's `main` runs (SwiftPM links executables with `main` renamed to
/// `<module>_main`): the selected harness under libFuzzer's driver, or, with
/// ORBIT_FUZZ_WRITE_SEEDS=DIR, the harness's seed corpus written to DIR.
@_cdecl("OrbitFuzz_main")
public func orbitFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    let environment = ProcessInfo.processInfo.environment
    guard let name = environment["ORBIT_FUZZ_TARGET"], let target = FuzzTargets.named(name) else {
        let list = FuzzTargets.all.map { "  \($0.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \($0.summary)" }
        FileHandle.standardError.write(Data(("orbit-fuzz: set ORBIT_FUZZ_TARGET to one of\n" + list.joined(separator: "\n") + "\n").utf8))
        return 2
    }
    FuzzOptions.applyInputLimits()
    do {
        let scratch = try ScratchFolder(target: target.name)
        let harness = try target.make(scratch)
        if let folder = environment["ORBIT_FUZZ_WRITE_SEEDS"] {
            try SeedCorpus.write(try harness.seeds(), to: folder)
            return 0
        }
        (selectedHarness, selectedScratch) = (harness, scratch)
    } catch {
        FileHandle.standardError.write(Data("orbit-fuzz: cannot prepare \(target.name): \(error)\n".utf8))
        return 1
    }
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzOneInput)
}
