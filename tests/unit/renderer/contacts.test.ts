import { describe, expect, it } from 'vitest'
import { contactFields, contactFormOf, contactInput, invalidFields } from '../../../src/renderer/lib/contacts'

describe('contact form', () => {
  it('is prefilled from the card, empty strings for missing values', () => {
    expect(contactFormOf({ phones: { mobile: '0612345678', home: null, work: null }, email: 'a@b.fr' })).toEqual({
      phoneMobile: '0612345678',
      phoneHome: '',
      phoneWork: '',
      email: 'a@b.fr',
    })
  })
  it('sends trimmed values, null for an emptied field', () => {
    expect(contactInput({ phoneMobile: ' 06 12 34 56 78 ', phoneHome: '   ', phoneWork: '', email: ' x@y.fr ' })).toEqual({
      phoneMobile: '06 12 34 56 78',
      phoneHome: null,
      phoneWork: null,
      email: 'x@y.fr',
    })
  })
})

describe('invalidFields', () => {
  it('names the form fields an INVALID_INPUT answer lists', () => {
    const error = {
      code: 'INVALID_INPUT' as const,
      message: '',
      details: { issues: [{ path: 'email', message: 'adresse e-mail invalide' }, { path: 'phoneMobile', message: 'x' }] },
    }
    expect(invalidFields(error, contactFields)).toEqual({ fields: ['phoneMobile', 'email'], other: false })
  })
  it('says when something else is wrong too', () => {
    const error = { code: 'INVALID_INPUT' as const, message: '', details: { issues: [{ path: 'familyId', message: 'x' }] } }
    expect(invalidFields(error, contactFields)).toEqual({ fields: [], other: true })
    expect(invalidFields({ code: 'INVALID_INPUT', message: '' }, contactFields)).toEqual({ fields: [], other: true })
  })
  it('ignores other errors', () => {
    expect(invalidFields({ code: 'TRANSPORT', message: '' }, contactFields)).toEqual({ fields: [], other: false })
    expect(invalidFields(null, contactFields)).toEqual({ fields: [], other: false })
  })
})
