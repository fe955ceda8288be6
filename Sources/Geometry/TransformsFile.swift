import Foundation

/// A problem with a views folder or its transforms.json, naming the file.
public struct ViewsFolderError: Error, CustomStringConvertible {
    public let path: String, problem: String
    public init(_ path: String, _ problem: String) { (self.path, self.problem) = (path, problem) }
    public var description: String { "\(path): \(problem)" }
}

/// transforms.json, the cameras of a views folder (DESIGN.md), read and written here only. The
/// nerfstudio layout: `fl_x`, `fl_y`, `cx`, `cy`, `w`, `h` (pixels) at the top or per frame (a frame's
/// own value wins), `frames[].file_path` relative to the folder and `frames[].transform_matrix`
/// (camera-to-world, row-major, OpenGL convention: looking down -z, y up); NeRF-synthetic files give
/// `camera_angle_x` (horizontal field of view, radians) instead and file paths without extension.
/// Orbit's writers add `camera_model` "OPENCV" with zero `k1 k2 p1 p2`, each frame's `azimuth_deg`
/// and `elevation_deg`, and the rig as `orbit: {distance, fov_deg}`.
///
/// Reading is lenient so that `ViewsFolder.frames` can say what is wrong: a key holding the wrong
/// type reads as absent, a matrix entry that is not a number as NaN; other keys are ignored.
public struct TransformsFile: Codable, Equatable, Sendable {
    public struct Intrinsics: Codable, Equatable, Sendable {
        public var flX: Double?, flY: Double?, cx: Double?, cy: Double?, w: Double?, h: Double?
        /// Horizontal field of view in radians (NeRF-synthetic).
        public var cameraAngleX: Double?

        public init(flX: Double? = nil, flY: Double? = nil, cx: Double? = nil, cy: Double? = nil, w: Double? = nil, h: Double? = nil,
                    cameraAngleX: Double? = nil) {
            (self.flX, self.flY, self.cx, self.cy, self.w, self.h, self.cameraAngleX) = (flX, flY, cx, cy, w, h, cameraAngleX)
        }

        /// Each value of `self`, else `fallback`'s.
        public func over(_ fallback: Intrinsics) -> Intrinsics {
            Intrinsics(flX: flX ?? fallback.flX, flY: flY ?? fallback.flY, cx: cx ?? fallback.cx, cy: cy ?? fallback.cy,
                       w: w ?? fallback.w, h: h ?? fallback.h, cameraAngleX: cameraAngleX ?? fallback.cameraAngleX)
        }

        enum CodingKeys: String, CodingKey { case flX = "fl_x", flY = "fl_y", cx, cy, w, h, cameraAngleX = "camera_angle_x" }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            func number(_ key: CodingKeys) -> Double? { (try? c.decodeIfPresent(Double.self, forKey: key)) ?? nil }
            self.init(flX: number(.flX), flY: number(.flY), cx: number(.cx), cy: number(.cy), w: number(.w), h: number(.h),
                      cameraAngleX: number(.cameraAngleX))
        }
    }

    public struct Frame: Codable, Equatable, Sendable {
        public var filePath: String?
        /// Camera-to-world, row-major (4x4 as written; readers accept 3x4); NaN where the file has no number.
        public var transformMatrix: [[Double]]?
        /// This frame's own intrinsics (usually none: they are at the top).
        public var intrinsics: Intrinsics
        public var azimuthDegrees: Double?, elevationDegrees: Double?

        public init(filePath: String, transformMatrix: [[Double]], intrinsics: Intrinsics = Intrinsics(),
                    azimuthDegrees: Double? = nil, elevationDegrees: Double? = nil) {
            (self.filePath, self.transformMatrix, self.intrinsics) = (filePath, transformMatrix, intrinsics)
            (self.azimuthDegrees, self.elevationDegrees) = (azimuthDegrees, elevationDegrees)
        }

        enum CodingKeys: String, CodingKey {
            case filePath = "file_path", transformMatrix = "transform_matrix", azimuthDegrees = "azimuth_deg", elevationDegrees = "elevation_deg"
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            filePath = (try? c.decodeIfPresent(String.self, forKey: .filePath)) ?? nil
            transformMatrix = ((try? c.decodeIfPresent([[LenientNumber]].self, forKey: .transformMatrix)) ?? nil)?.map { $0.map(\.value) }
            intrinsics = try Intrinsics(from: decoder)
            azimuthDegrees = (try? c.decodeIfPresent(Double.self, forKey: .azimuthDegrees)) ?? nil
            elevationDegrees = (try? c.decodeIfPresent(Double.self, forKey: .elevationDegrees)) ?? nil
        }

        public func encode(to encoder: Encoder) throws {
            try intrinsics.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(filePath, forKey: .filePath)
            try c.encodeIfPresent(transformMatrix, forKey: .transformMatrix)
            try c.encodeIfPresent(azimuthDegrees, forKey: .azimuthDegrees)
            try c.encodeIfPresent(elevationDegrees, forKey: .elevationDegrees)
        }
    }

    /// The rig a views folder was rendered or generated with (`orbit`).
    public struct Rig: Codable, Equatable, Sendable {
        public var distance: Double, fovDegrees: Double
        public init(distance: Double, fovDegrees: Double) { (self.distance, self.fovDegrees) = (distance, fovDegrees) }
        enum CodingKeys: String, CodingKey { case distance, fovDegrees = "fov_deg" }
    }

    /// Lens distortion coefficients (OpenCV's k1, k2, p1, p2); Orbit writes zeros and reads none.
    public struct Distortion: Codable, Equatable, Sendable {
        public var k1: Double, k2: Double, p1: Double, p2: Double
        public static let none = Distortion(k1: 0, k2: 0, p1: 0, p2: 0)
    }

    public var cameraModel: String?
    /// The intrinsics shared by all frames.
    public var intrinsics: Intrinsics
    public var distortion: Distortion?
    public var orbit: Rig?
    public var frames: [Frame]

    public init(cameraModel: String? = nil, intrinsics: Intrinsics, distortion: Distortion? = nil, orbit: Rig? = nil, frames: [Frame]) {
        (self.cameraModel, self.intrinsics, self.distortion, self.orbit, self.frames) = (cameraModel, intrinsics, distortion, orbit, frames)
    }

    enum CodingKeys: String, CodingKey { case cameraModel = "camera_model", orbit, frames }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        cameraModel = (try? c.decodeIfPresent(String.self, forKey: .cameraModel)) ?? nil
        intrinsics = try Intrinsics(from: decoder)
        distortion = try? Distortion(from: decoder)
        orbit = (try? c.decodeIfPresent(Rig.self, forKey: .orbit)) ?? nil
        frames = (try? c.decodeIfPresent([Frame].self, forKey: .frames)) ?? []
    }

    public func encode(to encoder: Encoder) throws {
        try intrinsics.encode(to: encoder)
        try distortion?.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(cameraModel, forKey: .cameraModel)
        try c.encodeIfPresent(orbit, forKey: .orbit)
        try c.encode(frames, forKey: .frames)
    }

    /// The file at `path`; errors say whether the file or its folder is missing, or the file is not a
    /// JSON object.
    public static func read(_ path: String) throws -> TransformsFile {
        let folder = (path as NSString).deletingLastPathComponent
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ViewsFolderError(path, FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder)
                                   ? "no such file (a views folder needs transforms.json)" : "no such folder")
        }
        do { return try JSONDecoder().decode(TransformsFile.self, from: data) } catch {
            // Python's json module writes NaN and Infinity, which JSON does not have.
            let text = String(decoding: data, as: UTF8.self)
            let nonNumber = ["NaN", "Infinity"].first { text.range(of: "[:,\\[\\s-]\($0)\\b", options: .regularExpression) != nil }
            throw ViewsFolderError(path, nonNumber.map { "not valid JSON: \($0) is not a JSON number (a camera value is not finite)" }
                                   ?? "not a JSON object")
        }
    }

    /// Writes pretty-printed with sorted keys, atomically.
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

/// A JSON number, or NaN for anything else.
private struct LenientNumber: Decodable {
    let value: Double
    init(from decoder: Decoder) throws { value = (try? decoder.singleValueContainer().decode(Double.self)) ?? .nan }
}
