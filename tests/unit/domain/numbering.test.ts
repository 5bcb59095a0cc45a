import { describe, expect, it } from 'vitest'
import { invoiceNumber, invoiceSeriesName, parseReceiptNumber, receiptNumber, receiptSeriesName } from '../../../src/shared/domain/numbering'

describe('invoice and receipt numbers', () => {
  it('invoices: F{régie:02}-{yy}-{mm}-{n:07}, one counter per régie and year', () => {
    expect(invoiceNumber('F', 1, '2026-11', 1)).toBe('F01-26-11-0000001')
    expect(invoiceNumber('A', '12', '2027-01', 9_999_999)).toBe('A12-27-01-9999999')
    expect(invoiceSeriesName('F', '1', '2026-11')).toBe('invoice_01_26')
    expect(invoiceSeriesName('A', 1, '2026-02')).toBe('avoir_01_26')
    for (const bad of [() => invoiceNumber('F', 0, '2026-11', 1), () => invoiceNumber('F', 1, '2026-13', 1), () => invoiceNumber('F', 1, '2026-11', 0), () => invoiceNumber('F', 1, '2026-11', 10_000_000)]) {
      expect(bad).toThrow(RangeError)
    }
  })

  it('receipts: R-{series}-{yy}-{n:06} from the workstation’s series of the year; refunds V-…; parsed back', () => {
    expect(receiptNumber('R', 'G01', '2026-12-31', 123)).toBe('R-G01-26-000123')
    expect(receiptNumber('V', 'G12', '2027-01-01', 1)).toBe('V-G12-27-000001')
    expect(receiptSeriesName('R', '2026-12-31')).toBe('receipt_26')
    expect(receiptSeriesName('V', '2027-01-01')).toBe('refund_27')
    expect(parseReceiptNumber('R-G01-26-000123')).toEqual({ prefix: 'R', series: 'G01', yy: '26', n: 123 })
    for (const bad of ['R-G01-26-000000', 'X-G01-26-000001', 'R-g01-26-000001', 'R-G01-2026-000001', 'R-G01-26-1']) expect(parseReceiptNumber(bad), bad).toBeNull()
    expect(() => receiptNumber('R', 'G01', '2026-12-31', 1_000_000)).toThrow(RangeError)
    expect(() => receiptNumber('R', 'G-1', '2026-12-31', 1)).toThrow(RangeError)
  })
})
