import Foundation
import Geometry
import Imaging

/// A COLMAP sparse model (`sparse/0`: cameras, images, points3D, text or binary, as COLMAP writes
/// them), and the views it describes with undistorted images.
public struct ColmapModel: Sendable {
    public struct CameraModel: Sendable {
        public let id: Int, model: String, width: Int, height: Int, params: [Double]

        public init(id: Int, model: String, width: Int, height: Int, params: [Double]) {
            (self.id, self.model, self.width, self.height, self.params) = (id, model, width, height, params)
        }
    }

    public struct ImagePose: Sendable {
        public let id: Int, cameraID: Int, name: String
        /// World-to-camera rotation as a quaternion (w, x, y, z) and translation (OpenCV convention).
        public let rotation: [Double], translation: [Double]
    }

    public struct Point: Sendable {
        public let position: SIMD3<Float>, colour: SIMD3<Float>
    }

    public var cameras: [Int: CameraModel] = [:]
    public var images: [ImagePose] = []
    public var points: [Point] = []

    /// Parameter counts of the camera models Orbit reads, by COLMAP's model id.
    static let models: [Int: (name: String, params: Int)] = [
        0: ("SIMPLE_PINHOLE", 3), 1: ("PINHOLE", 4), 2: ("SIMPLE_RADIAL", 4), 3: ("RADIAL", 5), 4: ("OPENCV", 8),
    ]

    /// Reads `sparse` (a folder holding cameras/images/points3D as .bin or .txt; binary preferred).
    public static func read(sparse: String) throws -> ColmapModel {
        func path(_ name: String, _ ext: String) -> String { (sparse as NSString).appendingPathComponent("\(name).\(ext)") }
        let binary = FileManager.default.fileExists(atPath: path("cameras", "bin"))
        let ext = binary ? "bin" : "txt"
        var model = ColmapModel()
        for name in ["cameras", "images"] where !FileManager.default.fileExists(atPath: path(name, ext)) {
            throw SplatInputError(path(name, ext), "no such file (a COLMAP model needs cameras, images and points3D)")
        }
        if binary {
            try model.readCamerasBinary(path("cameras", "bin"))
            try model.readImagesBinary(path("images", "bin"))
            if FileManager.default.fileExists(atPath: path("points3D", "bin")) { try model.readPointsBinary(path("points3D", "bin")) }
        } else {
            try model.readCamerasText(path("cameras", "txt"))
            try model.readImagesText(path("images", "txt"))
            if FileManager.default.fileExists(atPath: path("points3D", "txt")) { try model.readPointsText(path("points3D", "txt")) }
        }
        for image in model.images where model.cameras[image.cameraID] == nil {
            throw SplatInputError(path("images", ext), "image \(image.name) uses camera \(image.cameraID), which cameras.\(ext) lacks")
        }
        try model.validate(cameras: path("cameras", ext), images: path("images", ext), points: path("points3D", ext))
        return model
    }

    // MARK: text

    static func dataLines(_ path: String) throws -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw SplatInputError(path, "cannot read the file") }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.hasPrefix("#") }
    }

    mutating func readCamerasText(_ path: String) throws {
        for line in try Self.dataLines(path) where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let f = line.split(separator: " ").map(String.init)
            guard f.count >= 4, let id = Int(f[0]), let w = Int(f[2]), let h = Int(f[3]) else { throw SplatInputError(path, "bad camera line '\(line)'") }
            let params = f[4...].compactMap(Double.init)
            try check(model: f[1], params: params.count, path: path)
            cameras[id] = CameraModel(id: id, model: f[1], width: w, height: h, params: params)
        }
    }

    mutating func readImagesText(_ path: String) throws {
        // Two lines per image: the pose line, then its 2D points (possibly empty).
        let lines = try Self.dataLines(path)
        var i = 0
        while i < lines.count {
            let line = lines[i].trimmingCharacters(in: .whitespaces)
            if line.isEmpty { i += 1; continue }
            let f = line.split(separator: " ").map(String.init)
            guard f.count >= 10, let id = Int(f[0]), let camera = Int(f[8]) else { throw SplatInputError(path, "bad image line '\(line)'") }
            let numbers = f[1...7].compactMap(Double.init)
            guard numbers.count == 7, numbers.allSatisfy(\.isFinite) else { throw SplatInputError(path, "image \(id): non-numeric pose") }
            images.append(ImagePose(id: id, cameraID: camera, name: f[9...].joined(separator: " "),
                                    rotation: Array(numbers[0..<4]), translation: Array(numbers[4..<7])))
            i += 2
        }
    }

    mutating func readPointsText(_ path: String) throws {
        for line in try Self.dataLines(path) where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let f = line.split(separator: " ").compactMap { Double($0) }
            guard f.count >= 7 else { throw SplatInputError(path, "bad point line '\(line)'") }
            points.append(Point(position: SIMD3(Float(f[1]), Float(f[2]), Float(f[3])), colour: SIMD3(Float(f[4]), Float(f[5]), Float(f[6])) / 255))
        }
    }

    func check(model: String, params: Int, path: String) throws {
        guard let known = Self.models.values.first(where: { $0.name == model }) else {
            throw SplatInputError(path, "camera model \(model) is not supported (PINHOLE, SIMPLE_PINHOLE, SIMPLE_RADIAL, RADIAL, OPENCV)")
        }
        guard known.params == params else { throw SplatInputError(path, "\(model) needs \(known.params) parameters, got \(params)") }
    }

    // MARK: binary (little-endian, as COLMAP writes it)

    struct Reader {
        let data: Data, path: String
        var offset = 0
        mutating func bytes(_ n: Int) throws -> Data {
            guard n >= 0, n <= data.count - offset else { throw SplatInputError(path, "truncated at byte \(offset)") }
            defer { offset += n }
            return data.subdata(in: (data.startIndex + offset)..<(data.startIndex + offset + n))
        }
        /// A u64 count of records of at least `bytesEach` bytes, refused (before anything is read or
        /// allocated for it) when the rest of the file cannot hold that many.
        mutating func count(of what: String, bytesEach: Int) throws -> Int {
            let at = offset, claimed = try value(UInt64.self), room = (data.count - offset) / bytesEach
            guard claimed <= UInt64(room) else {
                throw SplatInputError(path, "truncated: \(claimed) \(what) at byte \(at) need at least \(bytesEach) bytes each; "
                                      + "\(data.count - offset) bytes follow")
            }
            return Int(claimed)
        }
        mutating func value<T: FixedWidthInteger>(_: T.Type) throws -> T {
            T(littleEndian: try bytes(MemoryLayout<T>.size).withUnsafeBytes { $0.loadUnaligned(as: T.self) })
        }
        mutating func double() throws -> Double { Double(bitPattern: try value(UInt64.self)) }
        mutating func string() throws -> String {
            var chars: [UInt8] = []
            while true {
                let c = try value(UInt8.self)
                if c == 0 { break }
                chars.append(c)
            }
            return String(decoding: chars, as: UTF8.self)
        }
    }

    static func reader(_ path: String) throws -> Reader {
        guard let data = FileManager.default.contents(atPath: path) else { throw SplatInputError(path, "cannot read the file") }
        return Reader(data: data, path: path)
    }

    mutating func readCamerasBinary(_ path: String) throws {
        var r = try Self.reader(path)
        for _ in 0..<(try r.count(of: "cameras", bytesEach: 48)) {
            let id = Int(try r.value(Int32.self)), modelID = Int(try r.value(Int32.self))
            let (wide, high) = (try r.value(UInt64.self), try r.value(UInt64.self))
            guard wide <= UInt64(Int32.max), high <= UInt64(Int32.max) else {
                throw SplatInputError(path, "camera \(id) has the size \(wide)x\(high), not an image size")
            }
            let (w, h) = (Int(wide), Int(high))
            guard let model = Self.models[modelID] else {
                throw SplatInputError(path, "camera model id \(modelID) is not supported (PINHOLE, SIMPLE_PINHOLE, SIMPLE_RADIAL, RADIAL, OPENCV)")
            }
            cameras[id] = CameraModel(id: id, model: model.name, width: w, height: h, params: try (0..<model.params).map { _ in try r.double() })
        }
    }

    mutating func readImagesBinary(_ path: String) throws {
        var r = try Self.reader(path)
        for _ in 0..<(try r.count(of: "images", bytesEach: 73)) {
            let id = Int(try r.value(UInt32.self))
            let pose = try (0..<7).map { _ in try r.double() }
            let camera = Int(try r.value(UInt32.self))
            let name = try r.string()
            let observations = try r.count(of: "observations of image \(id)", bytesEach: 24)
            _ = try r.bytes(observations * 24)  // x, y (doubles), point3D id (int64)
            images.append(ImagePose(id: id, cameraID: camera, name: name, rotation: Array(pose[0..<4]), translation: Array(pose[4..<7])))
        }
    }

    mutating func readPointsBinary(_ path: String) throws {
        var r = try Self.reader(path)
        for _ in 0..<(try r.count(of: "points", bytesEach: 51)) {
            _ = try r.value(UInt64.self)
            let xyz = try (0..<3).map { _ in Float(try r.double()) }
            let rgb = try (0..<3).map { _ in Float(try r.value(UInt8.self)) / 255 }
            _ = try r.double()  // reprojection error
            _ = try r.bytes(try r.count(of: "track entries", bytesEach: 8) * 8)  // track: (image id, point2D index) pairs
            points.append(Point(position: SIMD3(xyz[0], xyz[1], xyz[2]), colour: SIMD3(rgb[0], rgb[1], rgb[2])))
        }
    }
}
