import Foundation

/// Points of a PLY point cloud (ASCII or binary little-endian; `x y z` of any numeric type and,
/// when present, `red green blue` as 0-255 integers or 0-1 floats): what `splat fit --init FILE.ply`
/// starts from.
public enum PointCloudPLY {
    static let sizes: [String: Int] = ["char": 1, "int8": 1, "uchar": 1, "uint8": 1, "short": 2, "int16": 2, "ushort": 2,
                                       "uint16": 2, "int": 4, "int32": 4, "uint": 4, "uint32": 4, "float": 4, "float32": 4,
                                       "double": 8, "float64": 8]

    public static func read(_ path: String) throws -> [(position: SIMD3<Float>, colour: SIMD3<Float>)] {
        guard let data = FileManager.default.contents(atPath: path) else { throw SplatInputError(path, "no such file") }
        guard let end = data.range(of: Data("end_header\n".utf8)),
              let header = String(data: data[..<end.lowerBound], encoding: .ascii), header.hasPrefix("ply") else {
            throw SplatInputError(path, "not a PLY file")
        }
        var format = "", count = -1, properties: [(name: String, type: String)] = [], inVertex = false
        for line in header.split(separator: "\n").map({ $0.split(separator: " ").map(String.init) }) {
            switch line.first {
            case "format": format = line.count > 1 ? line[1] : ""
            case "element":
                if inVertex { inVertex = false; break }
                inVertex = line.count == 3 && line[1] == "vertex" && count < 0
                if inVertex { count = Int(line[2]) ?? -1 }
            case "property" where inVertex:
                guard line.count == 3, sizes[line[1]] != nil else {
                    throw SplatInputError(path, "vertex property '\(line.dropFirst().joined(separator: " "))' is not a scalar number")
                }
                properties.append((line[2], line[1]))
            default: break
            }
        }
        guard count >= 0 else { throw SplatInputError(path, "no vertex element") }
        let names = properties.map(\.name)
        guard let ix = names.firstIndex(of: "x"), let iy = names.firstIndex(of: "y"), let iz = names.firstIndex(of: "z") else {
            throw SplatInputError(path, "vertices have no x, y, z")
        }
        let colourIndex = ["red", "green", "blue"].compactMap { names.firstIndex(of: $0) }
        var rows: [[Double]] = []
        rows.reserveCapacity(count)
        switch format {
        case "ascii":
            let body = String(decoding: data[end.upperBound...], as: UTF8.self).split(separator: "\n")
            guard body.count >= count else { throw SplatInputError(path, "truncated: \(count) vertices, \(body.count) lines") }
            for line in body.prefix(count) {
                let values = line.split(separator: " ").compactMap { Double($0) }
                guard values.count >= properties.count else { throw SplatInputError(path, "bad vertex line '\(line)'") }
                rows.append(values)
            }
        case "binary_little_endian":
            let stride = properties.reduce(0) { $0 + sizes[$1.type]! }
            guard data.count - end.upperBound >= count * stride else {
                throw SplatInputError(path, "truncated: \(count) vertices need \(count * stride) bytes")
            }
            data[end.upperBound...].withUnsafeBytes { raw in
                var offset = 0
                for _ in 0..<count {
                    rows.append(properties.map { p -> Double in
                        defer { offset += sizes[p.type]! }
                        switch p.type {
                        case "char", "int8": return Double(raw.loadUnaligned(fromByteOffset: offset, as: Int8.self))
                        case "uchar", "uint8": return Double(raw.loadUnaligned(fromByteOffset: offset, as: UInt8.self))
                        case "short", "int16": return Double(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int16.self)))
                        case "ushort", "uint16": return Double(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
                        case "int", "int32": return Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
                        case "uint", "uint32": return Double(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                        case "float", "float32":
                            return Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))))
                        default: return Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
                        }
                    })
                }
            }
        default:
            throw SplatInputError(path, "unsupported PLY format \(format) (ascii or binary_little_endian)")
        }
        let integerColour = colourIndex.first.map { !properties[$0].type.hasPrefix("float") && properties[$0].type != "double" } ?? false
        return try rows.map { r in
            let position = SIMD3(Float(r[ix]), Float(r[iy]), Float(r[iz]))
            guard position.x.isFinite && position.y.isFinite && position.z.isFinite else { throw SplatInputError(path, "non-finite vertex") }
            let colour = colourIndex.count == 3
                ? SIMD3(Float(r[colourIndex[0]]), Float(r[colourIndex[1]]), Float(r[colourIndex[2]])) / (integerColour ? 255 : 1)
                : SIMD3<Float>(repeating: 0.5)
            return (position, colour)
        }
    }
}
