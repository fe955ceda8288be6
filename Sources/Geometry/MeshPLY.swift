import Foundation

/// A mesh as a binary little-endian PLY with per-vertex normals and 8-bit colours (what MeshLab,
/// Blender, trimesh and plyfile read): `vertex` x, y, z, nx, ny, nz (float), red, green, blue
/// (uchar); `face` vertex_indices (uchar count, int indices).
public enum MeshPLY {
    /// positions and normals [N, 3], colours [N, 3] in [0, 1] (sRGB), triangles [M, 3].
    public static func encode(positions: [Float], normals: [Float], colours: [Float], triangles: [Int32]) -> Data {
        let n = positions.count / 3, m = triangles.count / 3
        precondition(normals.count == positions.count && colours.count == positions.count, "normals and colours are [N, 3]")
        var data = Data("""
            ply
            format binary_little_endian 1.0
            comment written by Orbit
            element vertex \(n)
            property float x
            property float y
            property float z
            property float nx
            property float ny
            property float nz
            property uchar red
            property uchar green
            property uchar blue
            element face \(m)
            property list uchar int vertex_indices
            end_header

            """.utf8)
        data.reserveCapacity(data.count + n * 27 + m * 13)
        func append<T>(_ value: T) { withUnsafeBytes(of: value) { data.append(contentsOf: $0) } }
        for i in 0..<n {
            for k in 0..<3 { append(positions[3 * i + k].bitPattern.littleEndian) }
            for k in 0..<3 { append(normals[3 * i + k].bitPattern.littleEndian) }
            for k in 0..<3 { append(UInt8((min(1, max(0, colours[3 * i + k])) * 255).rounded())) }
        }
        for t in 0..<m {
            append(UInt8(3))
            for k in 0..<3 { append(triangles[3 * t + k].littleEndian) }
        }
        return data
    }
}
