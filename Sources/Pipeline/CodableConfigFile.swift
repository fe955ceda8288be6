import Foundation
import NN

/// A model folder's config.json for Orbit's own (Codable) configurations: read with an error that
/// names the file, written pretty and atomically (the folder made when missing).
public enum CodableConfigFile {
    public static func read<T: Decodable>(_ type: T.Type, from path: String, what: String) throws -> T {
        guard let data = FileManager.default.contents(atPath: path) else { throw WeightError("\(path): no such file") }
        do { return try JSONDecoder().decode(type, from: data) } catch { throw WeightError("\(path): not \(what) (\(error))") }
    }

    public static func write<T: Encodable>(_ value: T, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(value).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
