import Foundation
import Geometry
import Tensor

/// The ICT-FaceKit light head model (USC ICT, MIT licence; shipped in `Data/ict-facekit/`):
/// a bald head-and-neck mesh with eyes, teeth and mouth interior, 100 identity modes and 57 ARKit-style
/// expression modes. A head is neutral + sum w_id identity + sum w_ex expression (centimetres, y up,
/// +z out of the face).
public final class FaceKit: @unchecked Sendable {
    /// [N, 3] neutral vertices (cm).
    public let neutral: [Float]
    /// [100, N * 3] and [57, N * 3] vertex offsets per unit weight.
    let identityModes: Tensor, expressionModes: Tensor
    /// [M, 3] triangles (the model's quads split along their first diagonal).
    public let triangles: [Int32]
    /// Multi-PIE 68-point landmark vertex indices.
    public let landmarks68: [Int]
    public let expressionNames: [String]
    /// Inclusive vertex index ranges by region name (face, head_and_neck, eyeballs, teeth, ...).
    public let regions: [String: ClosedRange<Int>]

    public var vertexCount: Int { neutral.count / 3 }
    public var identityCount: Int { identityModes.shape[0] }

    /// $ORBIT_FACEKIT, else `Data/ict-facekit/ict_facekit.safetensors` in the current folder or in the
    /// checkout this was built from.
    public static var defaultPath: String {
        if let path = ProcessInfo.processInfo.environment["ORBIT_FACEKIT"], !path.isEmpty { return path }
        let relative = "Data/ict-facekit/ict_facekit.safetensors"
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let here = FileManager.default.currentDirectoryPath + "/" + relative
        return FileManager.default.fileExists(atPath: here) ? here : checkout.appendingPathComponent(relative).path
    }

    public init(path given: String = FaceKit.defaultPath) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: given, isDirectory: &isFolder) else {
            throw SafeTensorsError(path: given, problem: "no such file (the ICT-FaceKit model; set ORBIT_FACEKIT to its safetensors)")
        }
        // ORBIT_FACEKIT naming the folder (Data/ict-facekit) instead of the file in it.
        let inFolder = (given as NSString).appendingPathComponent("ict_facekit.safetensors")
        guard !isFolder.boolValue || FileManager.default.fileExists(atPath: inFolder) else {
            throw SafeTensorsError(path: given, problem: "is a folder without ict_facekit.safetensors; ORBIT_FACEKIT names the "
                                   + "ICT-FaceKit model file (Data/ict-facekit/ict_facekit.safetensors)")
        }
        let path = isFolder.boolValue ? inFolder : given
        let file = try SafeTensorsFile(path: path)
        neutral = try file.tensor("neutral_vertices").toArray()
        let n = neutral.count / 3
        identityModes = try file.tensor("identity_modes").reshaped([-1, 3 * n]).contiguous()
        expressionModes = try file.tensor("expression_modes").reshaped([-1, 3 * n]).contiguous()
        let quads = try file.tensor("faces_vertex").toArray().map { Int32($0) }
        var tris: [Int32] = []
        for q in stride(from: 0, to: quads.count, by: 4) {
            let (a, b, c, d) = (quads[q], quads[q + 1], quads[q + 2], quads[q + 3])
            tris += [a, b, c]
            if d != c { tris += [a, c, d] }
        }
        triangles = tris
        landmarks68 = try file.tensor("landmarks68").toArray().map { Int($0) }
        let decoder = JSONDecoder()
        expressionNames = (try? decoder.decode([String].self, from: Data((file.metadata["expression_names"] ?? "[]").utf8))) ?? []
        let ranges = (try? decoder.decode([String: [Int]].self, from: Data((file.metadata["regions"] ?? "{}").utf8))) ?? [:]
        regions = ranges.compactMapValues { $0.count == 2 ? $0[0]...$0[1] : nil }
    }

    /// Vertices [N, 3] in centimetres for identity weights (up to 100, N(0, 1) scale) and expression
    /// weights (up to 57, in [0, 1]).
    public func vertices(identity: [Float], expression: [Float] = []) -> [Float] {
        precondition(identity.count <= identityModes.shape[0] && expression.count <= expressionModes.shape[0], "too many weights")
        var v = Tensor(neutral, shape: [1, neutral.count])
        if !identity.isEmpty {
            v = v + Tensor(identity, shape: [1, identity.count]).matmul(identityModes.slice(axis: 0, 0..<identity.count))
        }
        if !expression.isEmpty {
            v = v + Tensor(expression, shape: [1, expression.count]).matmul(expressionModes.slice(axis: 0, 0..<expression.count))
        }
        return v.toArray()
    }
}
