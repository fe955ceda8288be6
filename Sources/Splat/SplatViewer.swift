import Foundation
import Geometry

/// The `splat view` page: ViewerPage's template filled with the splats (as `.splat`), an optional
/// coloured mesh, the initial orbit camera and the background.
public enum SplatViewer {
    /// The camera the page opens on (and "reset view" returns to): degrees; azimuth 0 looks from +z,
    /// 90 from +x, as `Camera.orbitPose`.
    public struct OrbitCamera: Codable, Equatable, Sendable {
        public var target: [Float], distance: Float, azimuth: Float, elevation: Float, fov: Float

        public init(target: SIMD3<Float>, distance: Float, azimuth: Float = 0, elevation: Float = 10,
                    fov: Float = OrbitRig.standard.fieldOfView) {
            (self.target, self.distance, self.azimuth, self.elevation, self.fov) = ([target.x, target.y, target.z], distance, azimuth, elevation, fov)
        }

        /// Facing the splats' opaque part from the front (+z), framed whole.
        public static func framing(_ g: Gaussians, fov: Float = OrbitRig.standard.fieldOfView) -> OrbitCamera {
            let framing = g.framing(fov: fov)
            return OrbitCamera(target: framing.centre, distance: framing.distance, fov: fov)
        }
    }

    /// A triangle mesh with per-vertex colours in [0, 1]: positions [V, 3], colours [V, 3] (or empty:
    /// grey), triangles [T, 3].
    public struct ColouredMesh: Sendable {
        public var positions: [Float], colours: [Float], triangles: [Int32]
        public init(positions: [Float], colours: [Float], triangles: [Int32]) { (self.positions, self.colours, self.triangles) = (positions, colours, triangles) }

        /// A mesh PLY (MeshPLY's layout; vertex colours optional); errors name the file.
        public static func read(_ path: String) throws -> ColouredMesh {
            guard let data = FileManager.default.contents(atPath: path) else { throw SplatInputError(path, "cannot read the file") }
            let m = try MeshPLY.decode(data, file: path)
            return ColouredMesh(positions: m.positions, colours: m.colours, triangles: m.triangles)
        }
    }

    /// The page's mesh bytes (little-endian): u32 V, u32 T, V x 3 f32 positions, V x 3 u8 colours, T x 3 u32 indices.
    public static func meshBytes(_ mesh: ColouredMesh) -> Data {
        let v = mesh.positions.count / 3, t = mesh.triangles.count / 3
        var data = Data(capacity: 8 + 15 * v + 12 * t)
        for n in [UInt32(v), UInt32(t)] { withUnsafeBytes(of: n.littleEndian) { data.append(contentsOf: $0) } }
        mesh.positions.withUnsafeBytes { data.append(contentsOf: $0) }
        let colours = mesh.colours.count == 3 * v ? mesh.colours : [Float](repeating: 0.75, count: 3 * v)
        data.append(contentsOf: colours.map { UInt8(max(0, min(255, ($0 * 255).rounded()))) })
        mesh.triangles.map { UInt32(bitPattern: $0).littleEndian }.withUnsafeBytes { data.append(contentsOf: $0) }
        return data
    }

    /// The whole self-contained HTML page.
    public static func page(_ g: Gaussians, mesh: ColouredMesh? = nil, camera: OrbitCamera, background: SIMD3<Float>) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let values = [
            "__SPLAT_BASE64__": SplatFile.encode(g).base64EncodedString(),
            "__MESH_BASE64__": mesh.map { meshBytes($0).base64EncodedString() } ?? "",
            "__CAMERA_JSON__": String(decoding: try! encoder.encode(camera), as: UTF8.self),
            "__BACKGROUND__": "[\(background.x), \(background.y), \(background.z)]",
        ]
        return fill(ViewerPage.template, values)
    }

    /// The template with each placeholder replaced once, in one pass over the template (a value is
    /// never searched for other placeholders).
    static func fill(_ template: String, _ values: [String: String]) -> String {
        let found = values.keys.map { key -> (Range<String.Index>, String) in
            guard let range = template.range(of: key) else { preconditionFailure("ViewerPage.template lacks \(key)") }
            return (range, values[key]!)
        }.sorted { $0.0.lowerBound < $1.0.lowerBound }
        var page = "", cursor = template.startIndex
        for (range, value) in found {
            page += template[cursor..<range.lowerBound]
            page += value
            cursor = range.upperBound
        }
        return page + template[cursor...]
    }
}
