/// Combines a step's gradients with those of other trainers before the update: data-parallel
/// training averages each gradient over every rank (RecurDistributed's `DataParallel`). A
/// `SequenceTrainer` calls it after the backward and before clipping, so that clipping sees the
/// combined gradients and every rank applies the same update.
public protocol GradientReduction: AnyObject {
    /// Replaces the gradients of `blocks` with their combination across trainers.
    func reduceGradients(_ blocks: [any ParameterBlock]) throws
}
