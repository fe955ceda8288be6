import Foundation
import Models
import NN

/// A model folder's config.json for Orbit's own (Codable) configurations: read with an error that
/// names the file, written pretty and atomically (the folder made when missing).
public enum CodableConfigFile {
    /// The configuration in `path`; a `ValidatedConfiguration` is validated too, so that sizes no
    /// model can be built from are refused naming the file (not later, by the model, naming nothing).
    public static func read<T: Decodable>(_ type: T.Type, from path: String, what: String) throws -> T {
        guard let data = FileManager.default.contents(atPath: path) else { throw WeightError("\(path): no such file") }
        let value: T
        do { value = try JSONDecoder().decode(type, from: data) } catch { throw WeightError("\(path): not \(what) (\(error))") }
        if let configuration = value as? any ValidatedConfiguration {
            do { _ = try configuration.validated() } catch { throw WeightError("\(path): \(error)") }
        }
        return value
    }

    public static func write<T: Encodable>(_ value: T, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(value).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
