import Foundation

/// A mesh as Wavefront OBJ text: `v x y z r g b` (the common vertex-colour extension MeshLab and
/// Blender read), `vn` normals, and `f a//a b//b c//c` triangles (1-based).
public enum MeshOBJ {
    /// positions and normals [N, 3], colours [N, 3] in [0, 1], triangles [M, 3].
    public static func encode(positions: [Float], normals: [Float], colours: [Float], triangles: [Int32]) -> Data {
        precondition(normals.count == positions.count && colours.count == positions.count, "normals and colours are [N, 3]")
        var text = "# written by Orbit\n"
        text.reserveCapacity(positions.count * 30 + triangles.count * 12)
        func f(_ v: Float) -> String { String(format: "%.6g", v) }
        for i in 0..<(positions.count / 3) {
            text += "v \(f(positions[3 * i])) \(f(positions[3 * i + 1])) \(f(positions[3 * i + 2])) "
                + "\(f(colours[3 * i])) \(f(colours[3 * i + 1])) \(f(colours[3 * i + 2]))\n"
        }
        for i in 0..<(normals.count / 3) { text += "vn \(f(normals[3 * i])) \(f(normals[3 * i + 1])) \(f(normals[3 * i + 2]))\n" }
        for t in stride(from: 0, to: triangles.count, by: 3) {
            let (a, b, c) = (triangles[t] + 1, triangles[t + 1] + 1, triangles[t + 2] + 1)
            text += "f \(a)//\(a) \(b)//\(b) \(c)//\(c)\n"
        }
        return Data(text.utf8)
    }
}
