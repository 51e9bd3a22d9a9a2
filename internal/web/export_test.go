package web

import (
	"github.com/grafana/sobek"

	"github.com/swhost/swhost/internal/js"
)

// SetResponsePassthrough turns on or off, for the Responses ResponseToJS
// makes afterwards, their passthrough by ResponseFromJS; it returns the
// previous setting.
func SetResponsePassthrough(on bool) bool { return responsePassthrough.Swap(on) }

// IsPassthrough reports whether ResponseFromJS would return (a copy of)
// the Go response the JS Response v was made from.
func IsPassthrough(r *js.Realm, v sobek.Value) bool {
	fr := fetchStateOf(r)
	data, err := fr.responseData(sobek.Undefined(), v, r.Runtime().ToValue(false))
	if err != nil || data == nil {
		return false
	}
	_, ok := data.Export().(*goResponse)
	return ok
}
