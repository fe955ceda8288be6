import Foundation

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
