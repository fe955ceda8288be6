import Foundation
import Tensor
import TestSupport
import XCTest

final class SafeTensorsTests: XCTestCase {
    func testReadsFilesWrittenByPythonSafetensors() throws {
        let f = try Fixtures.file("core/dtypes.safetensors")
        let expected = try Fixtures.file("core/dtypes_expected.safetensors")
        XCTAssertEqual(f.metadata["note"], "orbit fixture")
        XCTAssertEqual(f.entries["f16"]?.dtype, .f16)
        XCTAssertEqual(try f.tensor("f16").toArray(), try expected.tensor("f16_as_f32").toArray())
        XCTAssertEqual(try f.tensor("bf16").toArray(), try expected.tensor("bf16_as_f32").toArray())
        XCTAssertEqual(try f.tensor("f32").shape, [2, 4])
        XCTAssertEqual(try f.tensor("f32").toArray()[3], 3.140625)
        XCTAssertEqual(try f.integers("i32"), [1, -2, 1 << 30])
        XCTAssertEqual(try f.integers("i64"), [5, -6, 1 << 40, 0])
        XCTAssertThrowsError(try f.integers("f16"))
    }

    func testWriteReadRoundTripInEveryFloatType() throws {
        let dir = Fixtures.temporaryDirectory()
        let t = Tensor.normal([3, 5], seed: 1)
        for dtype in [SafeTensorsDType.f32, .f16, .bf16] {
            let path = dir + "/t_\(dtype.rawValue).safetensors"
            try SafeTensors.write([("a.weight", t), ("b", Tensor([1, 2], shape: [2]))], metadata: ["k": "v"], dtype: dtype, to: path)
            let r = try SafeTensorsFile(path: path)
            XCTAssertEqual(r.metadata, ["k": "v"])
            XCTAssertEqual(r.names, ["a.weight", "b"])
            let tolerance: Float = dtype == .f32 ? 0 : (dtype == .f16 ? 2e-3 : 1.6e-2)
            assertClose(try r.tensor("a.weight"), t, rtol: tolerance, atol: tolerance * 4)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".") }, [],
                       "no temporary files left behind")
    }

    /// A tensor served from the mapping without a copy can be updated in place (a trainer's loaded
    /// weights, an optimiser's restored moments) and the file keeps its values.
    func testMappedTensorsAreWritableCopiesOnWrite() throws {
        let path = Fixtures.temporaryDirectory() + "/w.safetensors"
        try SafeTensors.write([("w", Tensor([1, 2, 3, 4], shape: [4]))], to: path)
        let file = try SafeTensorsFile(path: path)
        let w = try file.tensor("w")
        w.data[1] = 20
        XCTAssertEqual(w.toArray(), [1, 20, 3, 4])
        XCTAssertEqual(try SafeTensorsFile(path: path).tensor("w").toArray(), [1, 2, 3, 4])
    }

    func testBadFilesFailWithTheirPathAndProblem() throws {
        let dir = Fixtures.temporaryDirectory()
        let good = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("core/dtypes.safetensors")))
        let cases: [(String, Data, String)] = [
            ("empty", Data(), "empty"),
            ("short", Data([1, 2, 3]), "truncated"),
            ("huge_header", Data([255, 255, 255, 255, 0, 0, 0, 0]) + Data(count: 16), "header length"),
            ("not_json", Data([4, 0, 0, 0, 0, 0, 0, 0]) + Data("abcd".utf8), "JSON"),
            ("truncated_data", good.prefix(good.count - 10), "outside"),
        ]
        for (name, data, problem) in cases {
            let path = "\(dir)/\(name).safetensors"
            try data.write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try SafeTensorsFile(path: path), name) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(path), "\(name): error should name the file: \(text)")
                XCTAssertTrue(text.contains(problem), "\(name): error should say '\(problem)': \(text)")
            }
        }
        XCTAssertThrowsError(try SafeTensorsFile(path: "\(dir)/missing.safetensors")) { XCTAssertTrue("\($0)".contains("missing.safetensors")) }
        XCTAssertThrowsError(try SafeTensorsFile(path: dir)) { XCTAssertEqual("\($0)", "\(dir): is a folder, not a safetensors file") }
        let header = #"{"x":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#
        var bad = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bad.append(contentsOf: $0) }
        bad.append(Data(header.utf8))
        bad.append(Data(count: 8))
        try bad.write(to: URL(fileURLWithPath: "\(dir)/f64.safetensors"))
        XCTAssertThrowsError(try SafeTensorsFile(path: "\(dir)/f64.safetensors")) { XCTAssertTrue("\($0)".contains("F64")) }
    }

    func testHalfConversionsRoundToNearestEven() {
        XCTAssertEqual(floatToBFloat16(1.0), 0x3F80)
        XCTAssertEqual(floatToBFloat16(Float(bitPattern: 0x3F80_8000)), 0x3F80, "tie goes to even")
        XCTAssertEqual(floatToBFloat16(Float(bitPattern: 0x3F81_8000)), 0x3F82, "tie goes to even")
        XCTAssertEqual(halfToFloat(floatToHalf(65504)), 65504)
        XCTAssertEqual(bfloat16ToFloat(0xC020), -2.5)
    }
}

extension SafeTensorsTests {
    /// A file of `header` (JSON) then `data` zero bytes.
    func crafted(_ header: String, data: Int, lengthField: UInt64? = nil) -> Data {
        var file = Data()
        withUnsafeBytes(of: (lengthField ?? UInt64(header.utf8.count)).littleEndian) { file.append(contentsOf: $0) }
        return file + Data(header.utf8) + Data(count: data)
    }

    /// Header integers that overflowed (trapped) or were accepted: a 2^63 header length, a shape whose
    /// product overflows, offsets outside the file or shared by two tensors, fractional or negative
    /// sizes, a byte count that disagrees with dtype and shape, a tensor over ORBIT_MAX_TENSOR_BYTES.
    func testCraftedHeaderIntegersAreRefusedBeforeAllocating() throws {
        let dir = Fixtures.temporaryDirectory()
        let cases: [(String, Data, String)] = [
            ("length_2_63", crafted("{}", data: 8, lengthField: 1 << 63), "header length 9223372036854775808 does not fit a file of"),
            ("length_max", crafted("{}", data: 8, lengthField: .max), "header length 18446744073709551615"),
            ("shape_overflow", crafted(#"{"x":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,8]}}"#, data: 8),
             "tensor 'x' of shape [4294967296, 4294967296, 4294967296] (over 2^63 bytes) is over the limit of 4294967296 bytes (set ORBIT_MAX_TENSOR_BYTES to raise it)"),
            ("shape_huge", crafted(#"{"x":{"dtype":"F16","shape":[65536,65536],"data_offsets":[0,8]}}"#, data: 8),
             "tensor 'x' of shape [65536, 65536] (8589934592 bytes) is over the limit of 4294967296 bytes"),
            ("shape_2_63", crafted(#"{"x":{"dtype":"F32","shape":[9223372036854775808],"data_offsets":[0,8]}}"#, data: 8), "tensor 'x' has a bad shape [9223372036854775808]"),
            ("shape_fraction", crafted(#"{"x":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, data: 8), "tensor 'x' has a bad shape [1.5] (whole numbers >= 0 expected)"),
            ("shape_negative", crafted(#"{"x":{"dtype":"F32","shape":[-2,-2],"data_offsets":[0,16]}}"#, data: 16), "tensor 'x' has a bad shape [-2, -2]"),
            ("outside", crafted(#"{"x":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}"#, data: 16), "tensor 'x' data [8, 24] lies outside the 16-byte data section"),
            ("offset_huge", crafted(#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[9223372036854775800,9223372036854775804]}}"#, data: 8),
             "tensor 'x' data [9223372036854775800, 9223372036854775804] lies outside the 8-byte data section"),
            ("bytes_mismatch", crafted(#"{"x":{"dtype":"F16","shape":[4],"data_offsets":[0,16]}}"#, data: 16),
             "tensor 'x' holds 16 bytes, shape [4] of F16 needs 8"),
            ("overlap", crafted(#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#, data: 16),
             "tensors 'a' [0, 16) and 'b' [8, 16) overlap"),
        ]
        for (name, data, problem) in cases {
            let path = "\(dir)/\(name).safetensors"
            try data.write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try SafeTensorsFile(path: path), name) {
                XCTAssertTrue("\($0)".contains("\(name).safetensors: " + problem), "\(name): \($0)")
            }
        }
        // Adjacent tensors and empty ones at the same offset are fine; the limit is the variable's when set.
        let adjacent = "\(dir)/adjacent.safetensors"
        try crafted(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"e":{"dtype":"F32","shape":[0],"data_offsets":[8,8]}}"#,
                    data: 16).write(to: URL(fileURLWithPath: adjacent))
        XCTAssertEqual(try SafeTensorsFile(path: adjacent).names, ["a", "b", "e"])
        let single = "\(dir)/single.safetensors"
        try crafted(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: 8).write(to: URL(fileURLWithPath: single))
        setenv("ORBIT_MAX_TENSOR_BYTES", "4", 1)
        defer { unsetenv("ORBIT_MAX_TENSOR_BYTES") }
        XCTAssertThrowsError(try SafeTensorsFile(path: single)) {
            XCTAssertTrue("\($0)".contains("single.safetensors: tensor 'a' of shape [2] (8 bytes) is over the limit of 4 bytes"), "\($0)")
        }
        setenv("ORBIT_MAX_TENSOR_BYTES", "lots", 1)
        XCTAssertThrowsError(try SafeTensorsFile(path: single)) {
            XCTAssertEqual("\($0)", "ORBIT_MAX_TENSOR_BYTES: 'lots' is not a positive whole number (the limit on bytes)")
        }
    }
}
