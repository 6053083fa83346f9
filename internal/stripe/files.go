package stripe

import (
	"bytes"
	"context"
	"io"
	"mime"
	"net/http"
	"net/url"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/idgate/idgate/internal/apperr"
)

// MaxDocumentBytes bounds an identity document image copied between accounts: Stripe's
// own limit for identity_document uploads is 10 MB, and the image is held in memory only.
const MaxDocumentBytes = 10 << 20

// CopyDocumentFile copies an identity document image that Stripe Identity collected (a
// file of the platform account) to the connected account, as a new file with purpose
// identity_document, and returns the new file's id. The image passes through memory only,
// at most MaxDocumentBytes of it; it is never written to disk or logged. idempotencyKey
// makes a retried upload return the same file.
func (c *Client) CopyDocumentFile(ctx context.Context, fileID, account, idempotencyKey string) (string, error) {
	if err := c.ready(); err != nil {
		return "", err
	}
	content, ext, err := c.downloadFile(ctx, fileID)
	if err != nil {
		return "", err
	}
	defer clear(content)
	return c.UploadFile(ctx, account, fileID+ext, bytes.NewReader(content), idempotencyKey)
}

// fileContents receives the streamed answer of GET /v1/files/{id}/contents.
type fileContents struct {
	resp *stripego.StreamingAPIResponse
}

func (f *fileContents) SetLastResponse(r *stripego.StreamingAPIResponse) { f.resp = r }

// downloadFile reads a file's contents from the Files API (files.stripe.com) with the
// platform's key, and the file name extension its content type calls for.
func (c *Client) downloadFile(ctx context.Context, fileID string) ([]byte, string, error) {
	const op = "download identity document"
	var out fileContents
	err := c.files.CallStreaming(http.MethodGet, "/v1/files/"+url.PathEscape(fileID)+"/contents", c.key, &stripego.Params{Context: ctx}, &out)
	if err != nil {
		if apperr.KindOf(mapError(err, op)) == apperr.KindNotFound {
			// Gone for good (the session was redacted, or the file expired): retrying
			// cannot bring it back.
			return nil, "", apperr.FailedPrecondition("%s: Stripe has no file %s any more; the merchant must verify a document again", op, fileID)
		}
		return nil, "", mapError(err, op)
	}
	body := out.resp.Body
	defer body.Close()
	if out.resp.StatusCode != http.StatusOK {
		return nil, "", apperr.Unavailable(nil, "%s: Stripe answered %s", op, out.resp.Status)
	}
	content, err := io.ReadAll(io.LimitReader(body, MaxDocumentBytes+1))
	if err != nil {
		clear(content)
		return nil, "", apperr.Unavailable(err, "%s: reading file %s: try again", op, fileID)
	}
	if len(content) > MaxDocumentBytes {
		clear(content)
		return nil, "", apperr.FailedPrecondition("%s: file %s is larger than %d MB, more than Stripe accepts for an identity document", op, fileID, MaxDocumentBytes>>20)
	}
	return content, extension(out.resp.Header.Get("Content-Type")), nil
}

// extension is the file name extension of the types Stripe accepts for identity documents.
func extension(contentType string) string {
	t, _, _ := mime.ParseMediaType(contentType)
	switch t {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "application/pdf":
		return ".pdf"
	}
	return ""
}

// UploadFile uploads an identity document to the Files API (purpose identity_document) and
// returns the file id to attach to a person. The account is the connected account whose
// person it is for.
func (c *Client) UploadFile(ctx context.Context, account, filename string, content io.Reader, idempotencyKey string) (string, error) {
	if err := c.ready(); err != nil {
		return "", err
	}
	params := &stripego.FileParams{
		FileReader: content,
		Filename:   stripego.String(filename),
		Purpose:    stripego.String(string(stripego.FilePurposeIdentityDocument)),
	}
	params.Context = ctx
	params.SetStripeAccount(account)
	params.SetIdempotencyKey(idempotencyKey)
	f, err := c.api.Files.New(params)
	if err != nil {
		return "", mapError(err, "upload identity document")
	}
	return f.ID, nil
}
