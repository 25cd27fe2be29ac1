// The scorecard's fields, addressed by path ("notes.pitch", "rating.api-design.level").

export function isEmpty(object) {
  return Object.keys(object).length === 0;
}

export function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function createFields(form) {
  function inputsFor(path) {
    return form.querySelectorAll('[data-field="' + path.replace(/"/g, '\\"') + '"]');
  }

  function read(path) {
    const inputs = inputsFor(path);
    if (!inputs.length) return undefined;
    const first = inputs[0];
    if (first.type === "radio") {
      const checked = Array.from(inputs).find((input) => input.checked);
      if (!checked) return null;
      return /\.level$/.test(path) ? parseInt(checked.value, 10) : checked.value;
    }
    if (first.type === "checkbox") return first.checked;
    return first.value;
  }

  function write(path, value) {
    const inputs = inputsFor(path);
    if (!inputs.length) return;
    const first = inputs[0];
    if (first.type === "radio") {
      inputs.forEach((input) => {
        input.checked = value !== null && String(input.value) === String(value);
      });
    } else if (first.type === "checkbox") {
      first.checked = !!value;
    } else {
      first.value = value === null || value === undefined ? "" : value;
    }
  }

  return { inputsFor, read, write, has: (path) => inputsFor(path).length > 0 };
}
