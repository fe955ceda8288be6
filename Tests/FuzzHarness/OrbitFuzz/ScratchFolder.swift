import Foundation

/// A folder of this process's own (in /dev/shm when there is one, so writing an input per execution
/// costs no disk), where a harness puts the fuzzer's bytes for readers that take a path. Removed when
/// the process exits normally; a crash leaves it for inspection.
final class ScratchFolder {
    let path: String

    init(target: String) throws {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        path = (base as NSString).appendingPathComponent("orbit-fuzz-\(target)-\(getpid())")
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        ScratchFolder.removedAtExit.append(path)
        if ScratchFolder.removedAtExit.count == 1 {
            atexit { for path in ScratchFolder.removedAtExit { try? FileManager.default.removeItem(atPath: path) } }
        }
    }

    nonisolated(unsafe) private static var removedAtExit: [String] = []

    /// The absolute path of `relative` inside the folder.
    func file(_ relative: String) -> String { (path as NSString).appendingPathComponent(relative) }

    /// Writes `data` to `relative` (its folders made when missing) and returns the path.
    @discardableResult
    func write(_ data: Data, to relative: String) throws -> String {
        let target = file(relative)
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: target))
        return target
    }

    /// Removes `relative` when it exists.
    func remove(_ relative: String) { try? FileManager.default.removeItem(atPath: file(relative)) }
}
