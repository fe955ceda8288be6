import Foundation

/// The cache of converted third-party weights: $ORBIT_WEIGHTS, else ~/.cache/orbit/weights.
/// Files are written by the Tools/convert scripts (run by Tools/setup.sh).
public enum WeightStore {
    public static var directory: String {
        if let dir = ProcessInfo.processInfo.environment["ORBIT_WEIGHTS"], !dir.isEmpty { return dir }
        return (NSHomeDirectory() as NSString).appendingPathComponent(".cache/orbit/weights")
    }

    /// The path of a converted weight file, or an error that says how to get it.
    public static func path(_ file: String, convertWith script: String) throws -> String {
        let path = (directory as NSString).appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: path) else {
            throw MissingWeightsError(path: path, "missing weights \(path): run `python3 \(script)` (or `bash Tools/setup.sh`) to download and convert them")
        }
        return path
    }

    /// `load()`, or nil when it failed only because weights are not installed (`MissingWeightsError`),
    /// for callers that can go on without them. Weights that are there but unreadable, corrupt or of
    /// the wrong layout still throw, naming the file.
    public static func ifInstalled<M>(_ load: () throws -> M) throws -> M? {
        do { return try load() } catch is MissingWeightsError { return nil }
    }

    /// Builds a module from a converted weight file, strictly: a missing, unused, wrong-shape or
    /// wrong-dtype key is an error naming it (WeightLoader).
    public static func load<M>(_ file: String, convertWith script: String, _ build: (WeightScope) throws -> M) throws -> M {
        try WeightLoader.load(path: path(file, convertWith: script), build)
    }
}

/// Weights that are not installed: the file is absent (as opposed to present but unreadable).
public struct MissingWeightsError: Error, CustomStringConvertible {
    public let path: String, description: String
    public init(path: String, _ description: String) { (self.path, self.description) = (path, description) }
}
