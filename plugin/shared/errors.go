package shared

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pluginv1 "github.com/bot-bottle/bottle/plugin/shared/proto/v1"
)

// Error classes. A plugin wraps its errors in one (see Errorf); the class
// crosses the process boundary as a gRPC status code, so the host can
// test it with errors.Is and react: a missing bottle, an engine that is
// down, a user who said no.
var (
	// ErrNotFound: the bottle (container, VM) does not exist.
	ErrNotFound = errors.New("not found")
	// ErrUnavailable: the backend's engine or service cannot be reached.
	ErrUnavailable = errors.New("unavailable")
	// ErrCanceled: the operation was interrupted before it finished.
	ErrCanceled = errors.New("canceled")
	// ErrFailedPrecondition: the bottle is not in a state that allows
	// the operation (dead, being removed, nobody to ask).
	ErrFailedPrecondition = errors.New("failed precondition")
	// ErrInvalidArgument: the request cannot be carried out as given.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrDeclined: the user answered no to a confirmation.
	ErrDeclined = errors.New("declined")
	// ErrUnsupported: the plugin does not implement the call.
	ErrUnsupported = errors.New("unsupported")
)

var classCodes = []struct {
	class error
	code  codes.Code
}{
	{ErrNotFound, codes.NotFound},
	{ErrUnavailable, codes.Unavailable},
	{ErrCanceled, codes.Canceled},
	{ErrFailedPrecondition, codes.FailedPrecondition},
	{ErrInvalidArgument, codes.InvalidArgument},
	{ErrDeclined, codes.Aborted},
	{ErrUnsupported, codes.Unimplemented},
}

// classified is an error with a class and, optionally, advice.
type classified struct {
	class  error
	err    error
	advice string
}

// newClassified builds a classified error. A nil class becomes
// errUnclassified so that Unwrap never yields nil.
func newClassified(class, err error, advice string) *classified {
	if class == nil {
		class = errUnclassified
	}
	return &classified{class: class, err: err, advice: advice}
}

func (e *classified) Error() string   { return e.err.Error() }
func (e *classified) Unwrap() []error { return []error{e.class, e.err} }

// Errorf formats an error, as fmt.Errorf does (%w included), and gives it
// a class: errors.Is(err, class) holds on both sides of the plugin
// boundary.
func Errorf(class error, format string, args ...any) error {
	return newClassified(class, fmt.Errorf(format, args...), "")
}

// WithAdvice attaches one sentence telling the user what to do about err.
func WithAdvice(err error, advice string) error {
	if err == nil {
		return nil
	}
	return newClassified(ClassOf(err), err, advice)
}

// Advice returns the advice attached to err, or "".
func Advice(err error) string {
	var c *classified
	for errors.As(err, &c) {
		if c.advice != "" {
			return c.advice
		}
		err = c.err
	}
	return ""
}

// ClassOf returns err's class, or nil for an unclassified error. A
// cancelled or expired context counts as ErrCanceled.
func ClassOf(err error) error {
	for _, cc := range classCodes {
		if errors.Is(err, cc.class) {
			return cc.class
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ErrCanceled
	}
	return nil
}

// toStatus turns err into the gRPC status sent to the other side.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	code := codes.Unknown
	class := ClassOf(err)
	for _, cc := range classCodes {
		if cc.class == class {
			code = cc.code
		}
	}
	// The detail rides on every error, even without advice: its absence
	// marks a status that the gRPC transport made up, not the peer.
	st := status.New(code, err.Error())
	if detailed, derr := st.WithDetails(&pluginv1.ErrorDetail{Advice: Advice(err)}); derr == nil {
		st = detailed
	}
	return st.Err()
}

// fromStatus turns a gRPC error back into a classified error with its
// advice. Errors that are not statuses pass through unchanged.
func fromStatus(err error) error {
	st, ok := status.FromError(err)
	if !ok || err == nil {
		return err
	}
	var class error
	for _, cc := range classCodes {
		if cc.code == st.Code() {
			class = cc.class
		}
	}
	out := newClassified(class, errors.New(st.Message()), "")
	fromPeer := false
	for _, d := range st.Details() {
		if detail, ok := d.(*pluginv1.ErrorDetail); ok {
			out.advice = detail.Advice
			fromPeer = true
		}
	}
	switch {
	case !fromPeer && st.Code() == codes.Unavailable:
		out.err = fmt.Errorf("%w: %s", ErrConnectionLost, st.Message())
	case !fromPeer && st.Code() == codes.Unimplemented:
		out.err = fmt.Errorf("%w: %s", ErrNotImplemented, st.Message())
	}
	return out
}

// ErrConnectionLost marks a call that failed because the connection to
// the other process broke, typically because that process died. It
// comes with class ErrUnavailable.
var ErrConnectionLost = errors.New("connection to plugin lost")

// ErrNotImplemented marks a call the plugin does not know, typically
// because it was built before the call existed. It comes with class
// ErrUnsupported.
var ErrNotImplemented = errors.New("call not implemented by the plugin")

// errUnclassified stands in for a missing class so Unwrap never yields
// nil; it matches no exported class.
var errUnclassified = errors.New("unclassified")
