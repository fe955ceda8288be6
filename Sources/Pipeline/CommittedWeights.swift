import Foundation

/// The trained weights committed under Weights/ in the repository.
public enum CommittedWeights {
    /// Weights/<name> in the current folder or in the checkout the running binary was built in
    /// (.build/<triple>/<config>/orbit); nil when none holds `marker`.
    public static func locate(_ name: String, containing marker: String) -> String? {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var candidates = [FileManager.default.currentDirectoryPath + "/Weights/" + name]
        var folder = binary.deletingLastPathComponent()
        for _ in 0..<4 {
            folder = folder.deletingLastPathComponent()
            candidates.append(folder.path + "/Weights/" + name)
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/" + marker) }
    }
}
