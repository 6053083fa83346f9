package identity

// guidance maps Stripe Identity's last_error codes (seed 002) to what the customer should
// do next (seed 003's table).
var guidance = map[string]string{
	"document_expired":              "Your ID has expired. Please try again with a current, valid ID.",
	"document_unverified_other":     "We couldn't read your ID. Retake the photo in good light, without glare or blur.",
	"document_type_not_supported":   "That type of ID isn't accepted. Please use a driver's license or passport.",
	"selfie_document_missing_photo": "Your ID has no photo of you. Please use a different ID, such as a passport or driver's license.",
	"selfie_face_mismatch":          "Your selfie didn't match the photo on your ID. Retake the selfie in good lighting, facing the camera.",
	"selfie_unverified_other":       "We couldn't verify your selfie. Retake it in good lighting, facing the camera.",
	"selfie_manipulated":            "Your selfie couldn't be accepted. Please take a new live selfie with your camera.",
	"consent_declined":              "Verification needs your consent to a biometric check. Contact support for another way to verify.",
}

const defaultGuidance = "We couldn't verify your identity. Please try again, or contact support if the problem continues."

// GuidanceFor returns the customer-facing guidance for a last_error code.
func GuidanceFor(code string) string {
	if g, ok := guidance[code]; ok {
		return g
	}
	return defaultGuidance
}
