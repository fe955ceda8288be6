import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where a command will write, checked before any work starts: an output never replaces one of the
/// command's inputs, replaces an existing file only with --force, and its folder exists or can be
/// made (the nearest existing ancestor a writable folder). Folders a run creates are removed again
/// when it fails and they are still empty.
public enum OutputPaths {
    /// The folder part of `path` ("" for a bare name): NSString's deletingLastPathComponent traps on
    /// one-character paths such as `h` with this Foundation.
    public static func folder(of path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return "" }
        return slash == p.startIndex ? "/" : String(p[..<slash])
    }

    /// The path with symbolic links resolved and `.`/`..` removed, for comparing files.
    public static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// Throws unless every path of `outputs` may be written as a file: it is not a folder, not one of
    /// `inputs`, not existing unless `force`, and its folder can be written. `option` names the flag
    /// that chose the outputs in the messages.
    public static func checkFiles(_ outputs: [String], force: Bool, inputs: [String] = [], option: String = "--out") throws {
        let fm = FileManager.default
        let inputSet = Set(inputs.map(canonical))
        for path in outputs {
            var isFolder: ObjCBool = false
            if fm.fileExists(atPath: path, isDirectory: &isFolder) {
                if isFolder.boolValue { throw CommandFailure("\(path): is a folder; \(option) names the file to write") }
                if inputSet.contains(canonical(path)) {
                    throw CommandFailure("\(path): is one of this command's inputs; refusing to overwrite it (choose another \(option))")
                }
                if !force { throw CommandFailure("\(path): already exists (pass --force to replace it)") }
            }
            try checkWritableFolder(containing: path)
        }
    }

    /// Throws unless `folder` can be written into: an existing folder or a path that can be created.
    public static func checkFolder(_ folder: String) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw CommandFailure("\(folder): is a file, not a folder") }
            guard access(folder, W_OK) == 0 else { throw CommandFailure("\(folder): cannot write here (\(String(cString: strerror(errno))))") }
            return
        }
        try checkWritableFolder(containing: folder)
    }

    /// Throws unless the nearest existing ancestor of `path` is a folder that can be written.
    static func checkWritableFolder(containing path: String) throws {
        let fm = FileManager.default
        var ancestor = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent()
        while !fm.fileExists(atPath: ancestor.path) && ancestor.path != "/" { ancestor = ancestor.deletingLastPathComponent() }
        var isFolder: ObjCBool = false
        _ = fm.fileExists(atPath: ancestor.path, isDirectory: &isFolder)
        guard isFolder.boolValue else { throw CommandFailure("\(path): cannot be created: \(ancestor.path) is a file, not a folder") }
        guard access(ancestor.path, W_OK) == 0 else {
            throw CommandFailure("\(path): cannot be written: \(ancestor.path) is not writable (\(String(cString: strerror(errno))))")
        }
    }

    /// Creates `folder` and the folders missing above it; the result removes the ones it created
    /// (deepest first, only while empty) when a run fails.
    public static func create(_ folder: String) throws -> CreatedFolders {
        let fm = FileManager.default
        var missing: [String] = []
        var current = URL(fileURLWithPath: folder).standardizedFileURL
        while current.path != "/" && !fm.fileExists(atPath: current.path) {
            missing.append(current.path)
            current = current.deletingLastPathComponent()
        }
        do { try fm.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw CommandFailure("\(folder): cannot create the folder (\(error.localizedDescription))")
        }
        return CreatedFolders(paths: missing)
    }
}

/// Folders a run created, deepest first.
public struct CreatedFolders {
    public let paths: [String]

    /// Removes each created folder that is (still) empty: what a failed run leaves.
    public func removeIfEmpty() {
        for path in paths where (try? FileManager.default.contentsOfDirectory(atPath: path))?.isEmpty == true {
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    /// Runs `work`; when it throws, removes the created folders left empty and rethrows.
    public func cleaningUpOnFailure<T>(_ work: () throws -> T) throws -> T {
        do { return try work() } catch {
            removeIfEmpty()
            throw error
        }
    }
}
