import Foundation

extension Camera {
    /// How far a pose's rotation columns may be from orthonormal: float32 poses written by Blender,
    /// COLMAP converters or nerfstudio are off by about 1e-6; a scaled or sheared matrix by far more.
    public static let poseTolerance = 1e-2

    /// Why a camera-to-world matrix (3x4 or 4x4, row-major, finite) is not a rigid pose, said as the
    /// end of a sentence ("... is singular ..."), or nil. `Camera` inverts poses by transposing their
    /// rotation, so a singular, scaled, sheared or mirrored one would give a wrong camera silently.
    public static func poseProblem(cameraToWorld m: [[Float]]) -> String? {
        let r = (0..<3).map { i in (0..<3).map { j in Double(m[i][j]) } }
        let det = r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1]) - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0])
            + r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0])
        if abs(det) < 1e-6 { return "is singular (its rotation part has determinant \(det)), not an invertible pose" }
        var worst = 0.0
        for i in 0..<3 {
            for j in 0..<3 {
                let dot = (0..<3).reduce(0.0) { $0 + r[$1][i] * r[$1][j] }
                worst = max(worst, abs(dot - (i == j ? 1 : 0)))
            }
        }
        if worst > poseTolerance || det < 0 {
            return "is not a rigid pose (its rotation part has determinant \(det) and columns off orthonormal by \(worst))"
        }
        if m.count == 4, zip(m[3], [0, 0, 0, 1] as [Float]).contains(where: { abs($0 - $1) > 1e-4 }) {
            return "has the last row \(m[3]) instead of [0, 0, 0, 1]"
        }
        return nil
    }
}
