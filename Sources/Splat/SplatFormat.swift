import Foundation
import Tensor

/// The files splats are kept in: the INRIA PLY (everything, float32), antimatter15's `.splat` (no
/// view-dependent colour; written only) and Niantic's compact `.spz`.
public enum SplatFormat: String, CaseIterable, Sendable {
    case splat, spz, ply

    public func write(_ g: Gaussians, to path: String) throws {
        switch self {
        case .splat: try SplatFile.write(g, to: path)
        case .spz: try SpzFile.write(g, to: path)
        case .ply: try PLYFile.write(g, to: path)
        }
    }

    /// Splats from a `.spz` (by its extension) or an INRIA PLY (anything else).
    public static func read(_ path: String) throws -> Gaussians {
        (path as NSString).pathExtension.lowercased() == "spz" ? try SpzFile.read(path) : try PLYFile.read(path)
    }
}

/// A file layout Gaussians are written in: `encode` gives the bytes, `write` puts them in a file.
public protocol GaussiansEncoding {
    static func encode(_ g: Gaussians) throws -> Data
}

/// A file layout Gaussians are read from: `decode` (errors naming `path`), `read` from a file.
public protocol GaussiansDecoding {
    static func decode(_ data: Data, path: String) throws -> Gaussians
}

extension GaussiansEncoding {
    /// Writes atomically (a temporary file renamed); errors name the file.
    public static func write(_ g: Gaussians, to path: String) throws {
        do { try AtomicFile.write(encode(g), to: path) } catch let error as SafeTensorsError {
            throw SplatInputError(path, error.problem)
        } catch { throw SplatInputError(path, "cannot write: \(error)") }
    }
}

extension GaussiansDecoding {
    public static func read(_ path: String) throws -> Gaussians {
        guard let data = FileManager.default.contents(atPath: path) else { throw SplatInputError(path, "no such file") }
        return try decode(data, path: path)
    }
}
