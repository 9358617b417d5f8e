// The ISO 8583 bounded context's public API: the codec, framing, masking, message-type rules, response codes,
// currencies and the JSON conversions. Everything here is pure (no I/O, no clock, no logging); the bank host and the
// connector build on it. Import from 'src/iso8583', not from its files.

export { Iso8583Error, ISO8583_ERROR_CODES } from './errors';
export type { Iso8583ErrorCode } from './errors';
export { FIELD_SPECS, fieldSpec, formatNotation } from './field-specs';
export type { FieldSpec, FieldType, LengthType, MaskRule } from './field-specs';
export { isoMessage, stringField } from './message';
export type { IsoMessage, IsoValue } from './message';
export { MAX_MESSAGE_BYTES, MAX_PACKED_BYTES, pack, packFrame, unpack } from './codec';
export { DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES, FrameSplitter, decodeFrame, encodeFrame } from './framing';
export type { FrameEvent, FrameSplitterOptions } from './framing';
export { describe, maskAccount, maskField, maskPan, maskedFields } from './masking';
export {
  MESSAGE_TYPES,
  checkMessageType,
  isResponseMti,
  messageType,
  missingFields,
  responseTo,
} from './message-types';
export type { MessageTypeSpec } from './message-types';
export { GENERIC_DECLINE, RESPONSE_CODES, declineCodeFor, responseCode, responseOutcome } from './response-codes';
export type { ResponseCodeSpec, ResponseOutcome } from './response-codes';
export { CURRENCIES, currencyByAlpha, currencyByNumeric } from './currencies';
export type { CurrencySpec } from './currencies';
export * from './payment-messages';
export {
  CONVERSIONS,
  authorizationRequest,
  authorizationResponse,
  financialAdvice,
  financialAdviceResponse,
  financialRequest,
  financialResponse,
  networkManagementRequest,
  networkManagementResponse,
  reconciliationRequest,
  reconciliationResponse,
  reversalAdvice,
  reversalAdviceResponse,
  reversalRequest,
  reversalResponse,
} from './conversion';
export type { ConversionContext, Iso8583Conversion } from './conversion';
export { renderIso8583Reference } from './reference-doc';
