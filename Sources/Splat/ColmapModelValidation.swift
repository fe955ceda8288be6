import Foundation

extension ColmapModel {
    /// Throws, naming the file and the record, unless every camera, pose and point can be used: a
    /// camera needs a size of at least 1x1 and finite parameters with positive focal lengths, all
    /// within Float32 (the trainer's cameras are Float32); a pose a finite, non-zero rotation
    /// quaternion and a finite translation; a point a finite position and colour. Anything else
    /// (text files parse "nan" and "inf"; binary files hold any bits) trained on garbage without a word.
    func validate(cameras camerasPath: String, images imagesPath: String, points pointsPath: String) throws {
        func float(_ value: Double) -> Bool { Float(value).isFinite }
        for camera in cameras.values.sorted(by: { $0.id < $1.id }) {
            let which = "camera \(camera.id) (\(camera.model))"
            guard camera.width >= 1, camera.height >= 1 else {
                throw SplatInputError(camerasPath, "\(which) has the size \(camera.width)x\(camera.height) (at least 1x1 expected)")
            }
            guard camera.params.allSatisfy(float) else {
                throw SplatInputError(camerasPath, "\(which) has parameters \(camera.params) (finite values within Float32 expected)")
            }
            let k = Self.intrinsics(camera)
            guard Float(k.fx) > 0, Float(k.fy) > 0 else {
                throw SplatInputError(camerasPath, "\(which) has focal lengths \(k.fx), \(k.fy) (positive within Float32 expected)")
            }
        }
        for image in images {
            let q = image.rotation, norm = q.reduce(0) { $0 + $1 * $1 }
            guard q.allSatisfy(\.isFinite), norm.isFinite, norm > 0 else {
                throw SplatInputError(imagesPath, "image \(image.name): the rotation quaternion \(q) is not a rotation (finite and non-zero expected)")
            }
            guard image.translation.allSatisfy(float) else {
                throw SplatInputError(imagesPath, "image \(image.name): the translation \(image.translation) is not finite within Float32")
            }
        }
        for (i, point) in points.enumerated() where !(0..<3).allSatisfy({ point.position[$0].isFinite && point.colour[$0].isFinite }) {
            throw SplatInputError(pointsPath, "point \(i + 1) of \(points.count) has a non-finite position \(point.position) or colour \(point.colour)")
        }
    }
}
