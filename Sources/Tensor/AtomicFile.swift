import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes data to `path` through a temporary sibling and a rename: readers never see a partial file.
/// The temporary, `.NAME.tmp-PID`, is removed when the write fails; one that a killed writer left
/// (no handler runs on SIGKILL) is removed by the next write of the same file, or by
/// `removeStaleTemporaries` when a job starts over what a killed run left.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let tmp = StaleTemporaries.path(for: path, marker: ".tmp-", hidden: true)
        do {
            do { try data.write(to: URL(fileURLWithPath: tmp)) } catch {
                throw SafeTensorsError(path: path, problem: "cannot write (\((error as NSError).localizedDescription))")
            }
            if rename(tmp, path) != 0 {
                throw SafeTensorsError(path: path, problem: "cannot rename into place (\(String(cString: strerror(errno))))")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            throw error
        }
        removeStaleTemporaries(of: path)
    }

    /// Removes the temporaries of `path` that writers no longer running left behind.
    public static func removeStaleTemporaries(of path: String) {
        StaleTemporaries.remove(of: path, marker: ".tmp-", hidden: true)
    }
}

/// A folder written whole or not at all: filled in a staging sibling `DIR.partial-PID`, then renamed
/// into place (an existing folder is replaced only when `replace` is set). A failed fill removes the
/// staging folder; stagings that killed writers left are removed by the next write.
public enum AtomicFolder {
    public static func write(_ directory: String, replace: Bool = true, _ fill: (_ staging: String) throws -> Void) throws {
        let fm = FileManager.default
        let staging = StaleTemporaries.path(for: directory, marker: ".partial-", hidden: false)
        try? fm.removeItem(atPath: staging)
        defer { try? fm.removeItem(atPath: staging) }
        StaleTemporaries.remove(of: directory, marker: ".partial-", hidden: false)
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
        try fill(staging)
        if fm.fileExists(atPath: directory) {
            guard replace else { throw SafeTensorsError(path: directory, problem: "already exists (pass --force to replace it)") }
            try fm.removeItem(atPath: directory)
        }
        guard rename(staging, directory) == 0 else {
            throw SafeTensorsError(path: directory, problem: "cannot rename \(staging) into place (\(String(cString: strerror(errno))))")
        }
    }
}

/// Temporary siblings named after the process that writes them (`[.]NAME<marker>PID`), so that
/// concurrent writers never share one and a later run can tell which ones a killed process left.
enum StaleTemporaries {
    static func path(for path: String, marker: String, hidden: Bool) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().appendingPathComponent((hidden ? "." : "") + url.lastPathComponent + marker + "\(getpid())").path
    }

    /// Removes the siblings of `path` named for a process that has ended.
    static func remove(of path: String, marker: String, hidden: Bool) {
        let url = URL(fileURLWithPath: path), folder = url.deletingLastPathComponent().path
        let prefix = (hidden ? "." : "") + url.lastPathComponent + marker
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count)), pid > 0, pid != getpid() else { continue }
            // kill(pid, 0) fails with ESRCH only when no such process exists (EPERM: it runs as another user).
            if kill(pid, 0) != 0 && errno == ESRCH { try? FileManager.default.removeItem(atPath: folder + "/" + name) }
        }
    }
}
