import Foundation
import Imaging
import Tensor

/// The INRIA 3D Gaussian Splatting PLY (binary little-endian, float32 vertex properties `x y z nx ny
/// nz f_dc_0..2 f_rest_0.. opacity scale_0..2 rot_0..3`; opacity a logit, scales logs, quaternion w
/// first, f_rest channel-major: f_rest[c * (K - 1) + k - 1] is channel c of coefficient k), as plyfile,
/// SuperSplat and the INRIA loader read it.
public enum PLYFile: GaussiansEncoding, GaussiansDecoding {
    static func propertyNames(shDegree: Int) -> [String] {
        let rest = 3 * ((shDegree + 1) * (shDegree + 1) - 1)
        return ["x", "y", "z", "nx", "ny", "nz", "f_dc_0", "f_dc_1", "f_dc_2"] + (0..<rest).map { "f_rest_\($0)" }
            + ["opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"]
    }

    public static func encode(_ g: Gaussians) -> Data {
        let names = propertyNames(shDegree: g.shDegree), k = g.shCoefficients
        var header = "ply\nformat binary_little_endian 1.0\nelement vertex \(g.count)\n"
        for name in names { header += "property float \(name)\n" }
        header += "end_header\n"
        var values = [Float](repeating: 0, count: g.count * names.count)
        for i in 0..<g.count {
            var row = Array(g.means[(3 * i)..<(3 * i + 3)]) + [0, 0, 0]
            row += (0..<3).map { c in g.sh[(i * k) * 3 + c] }
            for c in 0..<3 { for j in 1..<max(k, 1) { row.append(g.sh[(i * k + j) * 3 + c]) } }
            row.append(g.opacityLogits[i])
            row += g.logScales[(3 * i)..<(3 * i + 3)]
            row += g.quaternions[(4 * i)..<(4 * i + 4)]
            values.replaceSubrange((i * names.count)..<((i + 1) * names.count), with: row)
        }
        var data = Data(header.utf8)
        values.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress!)
                                                                           .assumingMemoryBound(to: UInt8.self), count: $0.count * 4)) }
        return data
    }

    public static func decode(_ data: Data, path: String) throws -> Gaussians {
        let header = try PLYHeader(data, path: path)
        guard header.format.split(separator: " ").first == "binary_little_endian" else {
            throw SplatInputError(path, "unsupported PLY format \(header.format) (binary_little_endian expected)")
        }
        guard !header.elementsAfterVertex else { throw SplatInputError(path, "elements after vertex are not supported") }
        if let other = header.properties.first(where: { $0.type != "float" }) {
            throw SplatInputError(path, "vertex property '\(other.declaration)' is not float32")
        }
        let count = header.vertexCount, properties = header.properties.map(\.name)
        let rest = properties.filter { $0.hasPrefix("f_rest_") }.count
        guard let degree = (0...3).first(where: { 3 * (($0 + 1) * ($0 + 1) - 1) == rest }) else {
            throw SplatInputError(path, "\(rest) f_rest properties do not match an SH degree 0-3")
        }
        let index = Dictionary(properties.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let required = propertyNames(shDegree: degree).filter { !["nx", "ny", "nz"].contains($0) }
        if let missing = required.first(where: { index[$0] == nil }) { throw SplatInputError(path, "missing property \(missing)") }
        let stride = properties.count, body = header.bodyOffset
        guard let bytes = Int.checkedProduct([count, stride, 4]), data.count - body >= bytes else {
            throw SplatInputError(path, "truncated: \(count) vertices of \(stride) floats need \(Int.checkedProduct([count, stride, 4]).map(String.init) ?? "over 2^63") bytes, the file has \(data.count - body)")
        }
        var values = [Float](repeating: 0, count: count * stride)
        values.withUnsafeMutableBytes { _ = data.copyBytes(to: $0, from: body..<(body + bytes)) }
        let k = (degree + 1) * (degree + 1)
        func column(_ name: String) -> Int { index[name]! }
        var g = Gaussians(means: [Float](repeating: 0, count: 3 * count), logScales: [Float](repeating: 0, count: 3 * count),
                          quaternions: [Float](repeating: 0, count: 4 * count), opacityLogits: [Float](repeating: 0, count: count),
                          shDegree: degree, sh: [Float](repeating: 0, count: 3 * k * count))
        let (xyz, scale, rot) = (["x", "y", "z"].map(column), (0..<3).map { column("scale_\($0)") }, (0..<4).map { column("rot_\($0)") })
        let dc = (0..<3).map { column("f_dc_\($0)") }, opacity = column("opacity")
        let restColumns = (0..<(3 * (k - 1))).map { column("f_rest_\($0)") }
        for i in 0..<count {
            let row = i * stride
            for a in 0..<3 { g.means[3 * i + a] = values[row + xyz[a]]; g.logScales[3 * i + a] = values[row + scale[a]] }
            for a in 0..<4 { g.quaternions[4 * i + a] = values[row + rot[a]] }
            g.opacityLogits[i] = values[row + opacity]
            for c in 0..<3 {
                g.sh[(i * k) * 3 + c] = values[row + dc[c]]
                for j in 1..<max(k, 1) { g.sh[(i * k + j) * 3 + c] = values[row + restColumns[c * (k - 1) + j - 1]] }
            }
        }
        if let problem = g.firstProblem() { throw SplatInputError(path, problem) }
        return g
    }
}
