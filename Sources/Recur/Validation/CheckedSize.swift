/// Overflow-checked arithmetic on sizes. Sizes come from files and callers; a product that wraps
/// around would allocate the wrong amount or trap, so every product and sum of sizes goes through
/// here and an overflow is a typed error naming what was being computed.
public enum CheckedSize {
    /// `factors` multiplied; `what` names the quantity for the error ("parameters of weight_ih_l0").
    public static func product(_ factors: [Int], _ what: String) throws -> Int {
        var result = 1
        for factor in factors {
            guard factor >= 0 else {
                throw RecurError.invalidConfiguration("\(what): a negative size \(factor) in \(factors)")
            }
            let (next, overflow) = result.multipliedReportingOverflow(by: factor)
            guard !overflow else { throw RecurError.sizeOverflow(what: what, values: factors) }
            result = next
        }
        return result
    }

    /// `terms` added; `what` names the total.
    public static func sum(_ terms: [Int], _ what: String) throws -> Int {
        var result = 0
        for term in terms {
            let (next, overflow) = result.addingReportingOverflow(term)
            guard !overflow else { throw RecurError.sizeOverflow(what: what, values: terms) }
            result = next
        }
        return result
    }
}
