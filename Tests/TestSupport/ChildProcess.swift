import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A program the tests start (the package's executables, chromium), in its own process group with
/// its input from /dev/null and its output in files, never pipes: a descendant that outlives the
/// program (a browser's helper) can then hold nothing open that a reader waits on, and a test that
/// hangs is killed, group and all, after its time limit instead of stalling the whole run.
public final class ChildProcess {
    public struct Result {
        /// The exit status, or 128 + the signal's number when a signal ended the program (the shell's rule).
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    public struct TimedOut: Error, CustomStringConvertible {
        public let description: String
    }

    public let pid: pid_t
    let command: String
    let outputFolder: String
    var finished: Result?

    /// Starts `executable` with `arguments`; `environment` entries are added to the tests' own.
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        command = ([executable] + arguments).joined(separator: " ")
        outputFolder = NSTemporaryDirectory() + "orbit-child-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: outputFolder, withIntermediateDirectories: true)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputFolder + "/stdout", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, outputFolder + "/stderr", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)  // a new group, led by the child
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))

        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let error = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard error == 0 else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "\(executable): \(String(cString: strerror(error)))"])
        }
        pid = child
    }

    /// Sends SIGINT to the program (Ctrl-C).
    public func interrupt() { kill(pid, SIGINT) }

    /// Waits for the program to end, at most `timeout` seconds; on time-out kills its group and throws.
    /// Either way, what is left of its group (descendants still running) is killed.
    public func wait(timeout: TimeInterval) throws -> Result {
        if let finished { return finished }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            guard Date() < deadline else {
                kill(-pid, SIGKILL)
                waitpid(pid, &status, 0)
                throw TimedOut(description: "still running after \(Int(timeout)) s, killed: \(command)\n" + read("stderr").suffix(4000))
            }
            usleep(10_000)
        }
        kill(-pid, SIGKILL)
        let signal = status & 0x7f
        let result = Result(status: signal == 0 ? (status >> 8) & 0xff : 128 + signal, stdout: read("stdout"), stderr: read("stderr"))
        try? FileManager.default.removeItem(atPath: outputFolder)
        finished = result
        return result
    }

    /// Starts, waits and collects in one call.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           timeout: TimeInterval) throws -> Result {
        try ChildProcess(executable, arguments, environment: environment).wait(timeout: timeout)
    }

    func read(_ stream: String) -> String {
        String(decoding: FileManager.default.contents(atPath: outputFolder + "/" + stream) ?? Data(), as: UTF8.self)
    }

    deinit {
        if finished == nil { kill(-pid, SIGKILL); var status: Int32 = 0; waitpid(pid, &status, 0) }
        try? FileManager.default.removeItem(atPath: outputFolder)
    }
}
