defmodule Billing do
  @moduledoc "Invoices for the example shop."
end
