import Foundation
import Tensor

/// The header of a PLY file as both readers need it (`PLYFile` for splats, `PointCloudPLY`): the
/// format, the vertex element's count and properties (type and name, e.g. ("float", "x") or
/// ("list uchar int", "vertex_indices"), and the declaration as written), whether other elements
/// follow the vertices, and where the body starts. Each reader checks the types it can read. The
/// vertex count is refused over `InputLimit.gaussians` (ORBIT_MAX_GAUSSIANS) before anything is allocated.
struct PLYHeader {
    let format: String
    let vertexCount: Int
    let properties: [(type: String, name: String, declaration: String)]
    let elementsAfterVertex: Bool
    let bodyOffset: Int

    init(_ data: Data, path: String) throws {
        guard let end = data.range(of: Data("end_header\n".utf8)) else { throw SplatInputError(path, "not a PLY file (no end_header)") }
        guard let text = String(data: data[..<end.lowerBound], encoding: .ascii), text.hasPrefix("ply\n") else {
            throw SplatInputError(path, "not a PLY file")
        }
        var format = "", count: Int?, properties: [(String, String, String)] = [], inVertex = false, after = false
        for line in text.split(separator: "\n").map({ $0.split(separator: " ").map(String.init) }) {
            switch line.first {
            case "format": format = line.dropFirst().joined(separator: " ")
            case "element":
                if count != nil { after = true }
                inVertex = line.count == 3 && line[1] == "vertex" && count == nil
                if inVertex {
                    guard let n = Int(line[2]), n >= 0 else {
                        throw SplatInputError(path, "element vertex count '\(line[2])' is not a whole number >= 0 that fits 64 bits")
                    }
                    try InputLimit.gaussians.check(n, claimed: "element vertex \(n)", path: path)
                    count = n
                }
            case "property" where inVertex && line.count >= 2:
                properties.append((line[1..<(line.count - 1)].joined(separator: " "), line[line.count - 1],
                                   line.dropFirst().joined(separator: " ")))
            default: break
            }
        }
        guard let count else { throw SplatInputError(path, "no vertex element") }
        (self.format, vertexCount, self.properties, elementsAfterVertex, bodyOffset) = (format, count, properties, after, end.upperBound)
    }
}
